using System.Collections.Concurrent;
using GossipFl.Daemon.Status;

namespace GossipFl.Daemon.Node;

/// <summary>
/// The live numbers of a running node, written by its round driver and read by the status endpoint. Updates and
/// reads are small and rare (once a round, once a poll), so one lock keeps them consistent.
/// </summary>
internal sealed class NodeState
{
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, long> _drops = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastHeard = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _missed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _subscribed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _otherTask = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _clipped = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _discarded = new(StringComparer.Ordinal);
    private long _round = -1;
    private double? _trainLoss;
    private double? _testLoss;
    private double? _testAccuracy;
    private double? _validationLoss;
    private double? _validationAccuracy;
    private double _weight = 1;
    private long _bytesSent;
    private long _bytesReceived;
    private string _phase = "starting";
    private (long Round, float[] Model)? _model;
    private (long Term, string? Coordinator)? _coordination;
    private (double Epsilon, double Delta, long Rounds, double? Budget, bool Stopped)? _privacy;

    public NodeState(string node, string algorithm, IReadOnlyList<string> trusted, IReadOnlyList<string> followers)
    {
        Node = node;
        Algorithm = algorithm;
        Trusted = trusted;
        Followers = followers;
    }

    public string Node { get; }

    public string Algorithm { get; }

    public IReadOnlyList<string> Trusted { get; }

    public IReadOnlyList<string> Followers { get; }

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public Func<string, string?>? EndpointOf { get; set; }

    /// <summary>The node's aggregation rule, as given (<c>mean</c> unless robust).</summary>
    public string Aggregation { get; init; } = "mean";

    /// <summary>The codec of what the node sends, e.g. <c>int8</c> or <c>topk:0.01 (γ = 0.02)</c>; <c>none</c> uncompressed.</summary>
    public string Compress { get; init; } = "none";

    /// <summary>This node's task signature, abbreviated (docs/architecture.md, "The task contract").</summary>
    public string? TaskSignature { get; init; }

    public Func<IReadOnlyDictionary<string, long>>? TransportDrops { get; set; }

    public void Drop(string reason) => _drops.AddOrUpdate(reason, 1, (_, n) => n + 1);

    /// <summary>Counts what the robust rule did with each peer's contribution this round.</summary>
    public void Judged(IEnumerable<(string Peer, Learning.Robustness.ContributionOutcome Outcome)> verdicts)
    {
        foreach (var (peer, outcome) in verdicts)
        {
            if (outcome == Learning.Robustness.ContributionOutcome.Clipped)
            {
                _clipped.AddOrUpdate(peer, 1, (_, n) => n + 1);
            }
            else if (outcome == Learning.Robustness.ContributionOutcome.Discarded)
            {
                _discarded.AddOrUpdate(peer, 1, (_, n) => n + 1);
            }
        }
    }

    public void Heard(string peer)
    {
        _lastHeard[peer] = DateTimeOffset.UtcNow;
        _missed.TryRemove(peer, out _);
    }

    /// <summary>When any message of <paramref name="peer"/> last arrived; null if never.</summary>
    public DateTimeOffset? LastHeard(string peer) => _lastHeard.TryGetValue(peer, out var at) ? at : null;

    /// <summary>A follower subscribed (true) or said it is leaving (false).</summary>
    public void Subscribed(string follower, bool follows) => _subscribed[follower] = follows;

    /// <summary>
    /// A peer was refused because it runs another task (signature <paramref name="signature"/>). True the first time
    /// this peer shows this signature, so the caller logs each mismatch once.
    /// </summary>
    public bool TaskMismatch(string peer, string signature)
    {
        var first = !_otherTask.TryGetValue(peer, out var known) || known != signature;
        _otherTask[peer] = signature;
        return first;
    }

    /// <summary>A round passed without the share this node expected from <paramref name="peer"/>.</summary>
    public void Missed(string peer) => _missed.AddOrUpdate(peer, 1, (_, n) => n + 1);

    /// <summary>How long a peer may be quiet before status calls it silent (a FedAvg peer hears heartbeats every fraction of a second).</summary>
    public TimeSpan SilentAfter { get; set; } = TimeSpan.FromMinutes(1);

    public void Phase(string phase)
    {
        lock (_lock)
        {
            _phase = phase;
        }
    }

    /// <summary>FedAvg: the current term and its coordinator (null while there is none).</summary>
    public void Coordination(long term, string? coordinator)
    {
        lock (_lock)
        {
            _coordination = (term, coordinator);
        }
    }

    /// <summary>Peer-level DP: what the node has spent so far (ε at δ over its private rounds) and whether its budget stopped it.</summary>
    public void PrivacySpent(double epsilon, double delta, long rounds, double? budget, bool stopped)
    {
        lock (_lock)
        {
            _privacy = (epsilon, delta, rounds, budget, stopped);
        }
    }

    public void AddSent(long bytes) => Interlocked.Add(ref _bytesSent, bytes);

    public void AddReceived(long bytes) => Interlocked.Add(ref _bytesReceived, bytes);

    /// <summary>
    /// Records a finished round. <paramref name="trainLoss"/> is null when the node did not train in it (a FedAvg peer
    /// that was not sampled): status then keeps the last loss it had, as it keeps the last test figures.
    /// </summary>
    public void RoundDone(long round, double? trainLoss, double weight, Evaluated evaluated, float[] model)
    {
        var (testLoss, testAccuracy, validationLoss, validationAccuracy) = evaluated;
        lock (_lock)
        {
            _round = round;
            _trainLoss = trainLoss ?? _trainLoss;
            _weight = weight;
            if (testAccuracy is not null)
            {
                _testLoss = testLoss;
                _testAccuracy = testAccuracy;
            }

            if (validationAccuracy is not null)
            {
                _validationLoss = validationLoss;
                _validationAccuracy = validationAccuracy;
            }

            _model = (round, model);
        }
    }

    public NodeStatus Snapshot()
    {
        lock (_lock)
        {
            var drops = new Dictionary<string, long>(_drops, StringComparer.Ordinal);
            foreach (var (reason, count) in TransportDrops?.Invoke() ?? new Dictionary<string, long>())
            {
                drops["transport_" + reason] = count;
            }

            var peers = Trusted.Union(Followers, StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(name =>
            {
                var heard = _lastHeard.TryGetValue(name, out var at) ? at : (DateTimeOffset?)null;
                var state = _otherTask.TryGetValue(name, out var theirs) ? $"refused: runs another task (signature {theirs})"
                    : heard is null ? "not heard"
                    : _missed.TryGetValue(name, out var missed) ? $"missing for {missed} round(s)"
                    : DateTimeOffset.UtcNow - heard.Value < SilentAfter ? "up" : "silent";
                bool? subscribed = Followers.Contains(name) ? _subscribed.TryGetValue(name, out var follows) && follows : null;
                return new PeerStatus(name, Trusted.Contains(name), Followers.Contains(name), EndpointOf?.Invoke(name), heard, state, subscribed,
                    _clipped.GetValueOrDefault(name), _discarded.GetValueOrDefault(name));
            }).ToArray();
            var most = peers.Where(p => p.Clipped + p.Discarded > 0).OrderByDescending(p => p.Clipped + p.Discarded).ThenBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
            return new NodeStatus(Node, Algorithm, _phase, _round, _trainLoss, _testLoss, _testAccuracy, _weight,
                Interlocked.Read(ref _bytesSent), Interlocked.Read(ref _bytesReceived), drops, peers, StartedAt,
                _coordination?.Coordinator, _coordination?.Term, _validationLoss, _validationAccuracy, TaskSignature,
                Aggregation, most?.Name,
                _privacy is { Epsilon: var e } && double.IsFinite(e) ? e : null, _privacy?.Delta, _privacy?.Rounds, _privacy?.Budget, _privacy?.Stopped ?? false, Compress);
        }
    }

    public (long Round, float[] Parameters)? Model()
    {
        lock (_lock)
        {
            return _model;
        }
    }
}
