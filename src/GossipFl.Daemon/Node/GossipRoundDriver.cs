using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Files;
using GossipFl.Topology.Graph;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Node;

/// <summary>
/// Runs a daemon's synchronous gossip rounds with the very algorithm objects the simulator runs
/// (ARCHITECTURE.md §3): begin the round with this round's mixing plan, train locally, send a share to every
/// follower, collect shares from trusted peers until all arrived or the round deadline passed, fold them in,
/// then evaluate, log, checkpoint and publish status. A dead or slow peer costs at most one deadline per round, and a
/// peer silent for <see cref="PresumedDownAfter"/> rounds in a row is presumed down and costs none until it is heard
/// from again (<see cref="PresumedDownPeers"/>).
/// </summary>
/// <remarks>
/// Shares are validated before they reach the algorithm: unknown senders, malformed bodies, stale rounds, rounds
/// too far ahead and duplicates are dropped and counted. Shares from earlier rounds that arrive late are folded
/// into the current round, as the simulator's delayed links do, so push-sum mass is not lost to lateness.
/// </remarks>
internal sealed partial class GossipRoundDriver : IRoundDriver
{
    private readonly RoundServices _services;
    private readonly GossipNode _node;
    private readonly NodeState _state;
    private readonly ILogger _logger;
    private readonly List<GossipMessage> _outbox = [];
    private readonly Dictionary<(string Sender, long Round), ModelShare> _pending = [];
    private readonly PresumedDownPeers _down = new(PresumedDownAfter);
    private readonly HashSet<string> _heardThisRound = new(StringComparer.Ordinal);

    /// <summary>Rounds in a row without a share from a peer (or without delivering one to it) before it is presumed down.</summary>
    public const int PresumedDownAfter = 3;

    public GossipRoundDriver(
        string name, TopologyDocument topology, GossipNode node, ILocalLearner learner, IShareExchange exchange, RoundOptions options,
        NodeState state, CheckpointStore? checkpoints, MetricsWriter? metrics, ILogger logger, DaemonAttack? attack = null)
    {
        _services = new RoundServices(name, topology, node, learner, exchange, options, state, checkpoints, metrics, logger, asynchronous: false) { Attack = attack };
        _node = node;
        _state = state;
        _logger = logger;
    }

    /// <summary>Raised after each completed round (for tests and the host's logs).</summary>
    public event Action<long>? RoundCompleted;

    public GossipNode Node => _node;

    public async Task RunAsync(long firstRound, CancellationToken cancellation)
    {
        for (var round = firstRound; round < _services.Options.Rounds; round++)
        {
            cancellation.ThrowIfCancellationRequested();
            await RunRoundAsync(round, cancellation).ConfigureAwait(false);
            RoundCompleted?.Invoke(round);
        }

        _state.Phase("finished");
    }

    private async Task RunRoundAsync(long round, CancellationToken cancellation)
    {
        var (graph, plans) = _services.PlansFor(round);
        var self = graph.IndexOf(_services.Name);
        var plan = plans[self];
        _node.BeginRound(round, plan);
        _state.Phase("training");
        var loss = _node.Train(_services.Learner);

        _outbox.Clear();
        _heardThisRound.Clear();
        _node.Send(_outbox);
        _state.Phase("exchanging");
        var sends = new List<(GossipMessage Message, Task<bool> Delivered)>(_outbox.Count);
        foreach (var message in _outbox)
        {
            var follower = graph.NameOf(message.To);
            if (!_down.ShouldSendTo(follower, round, _state.LastHeard(follower), out var back))
            {
                // Presumed down and not heard from since: keep the share rather than wait out a deadline for it.
                _node.Reclaim(message);
                _state.Drop("share_kept_peer_down");
                continue;
            }

            if (back)
            {
                LogFollowerBack(follower);
            }

            sends.Add((message, _services.SendAsync(follower, round, message.Share, message.Weight, message.Values, cancellation)));
        }

        var sources = plan.Sources.ToArray().Where(s => s != self).Select(graph.NameOf).ToHashSet(StringComparer.Ordinal);
        var missing = await CollectAsync(round, sources.Where(_down.IsAwaited).ToHashSet(StringComparer.Ordinal), cancellation).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            LogMissing(round, missing.Count, string.Join(", ", missing.Order(StringComparer.Ordinal)));
            _state.Drop("missing_share");
        }

        var arrived = 0;
        foreach (var source in sources.Order(StringComparer.Ordinal))
        {
            var heard = _heardThisRound.Contains(source) || _pending.ContainsKey((source, round));
            if (_pending.ContainsKey((source, round)))
            {
                arrived++;
            }

            if (!heard)
            {
                _state.Missed(source);
            }

            if (_down.EndRound(source, heard))
            {
                LogSourcePresumedDown(source, PresumedDownAfter);
            }
        }

        // Before folding, learn which shares did not get through and take them back: push-sum keeps its mass
        // instead of leaking it to a dead or unreachable follower (docs/algorithms.md).
        await Task.WhenAll(sends.Select(s => s.Delivered)).ConfigureAwait(false);
        foreach (var (message, delivered) in sends)
        {
            if (!delivered.Result)
            {
                _node.Reclaim(message);
                _state.Drop("share_reclaimed");
            }

            var follower = graph.NameOf(message.To);
            if (_down.Delivered(follower, round, delivered.Result, DateTimeOffset.UtcNow, out var reached))
            {
                LogFollowerPresumedDown(follower, PresumedDownAfter);
            }
            else if (reached)
            {
                LogFollowerBack(follower);
            }
        }

        FoldPending(round, graph);
        _node.Complete();

        var accuracy = _services.Record(round, loss);
        LogRound(round, loss, accuracy, arrived, sources.Count);
    }

    /// <summary>Reads shares until every trusted source has sent this round's, or the deadline passes; returns who is missing.</summary>
    private async Task<HashSet<string>> CollectAsync(long round, HashSet<string> sources, CancellationToken cancellation)
    {
        var missing = sources.Where(s => !_pending.ContainsKey((s, round))).ToHashSet(StringComparer.Ordinal);
        await _services.WaitForSharesAsync(missing, incoming => Accept(incoming, round) is { } accepted && accepted.Round == round, cancellation).ConfigureAwait(false);
        return missing;
    }

    private ModelShare? Accept(IncomingPayload incoming, long round)
    {
        if (_services.Read(incoming) is not { } share)
        {
            return null;
        }

        if (share.Round > round + RoundOptions.MaxRoundsAhead)
        {
            _state.Drop("share_too_far_ahead");
            return null;
        }

        if (!_pending.TryAdd((incoming.Sender, share.Round), share))
        {
            _state.Drop("duplicate_share");
            return null;
        }

        _state.Heard(incoming.Sender);
        _heardThisRound.Add(incoming.Sender);
        if (_down.Heard(incoming.Sender))
        {
            LogSourceBack(incoming.Sender, share.Round);
        }

        return share;
    }

    private void FoldPending(long round, TrustGraph graph)
    {
        foreach (var ((sender, shareRound), share) in _pending.Where(p => p.Key.Round <= round).ToArray())
        {
            _pending.Remove((sender, shareRound));
            var from = graph.IndexOf(sender);
            if (!_node.Receive(new GossipMessage(from, _node.Index, shareRound, share.Share, share.Weight, share.Values)))
            {
                _state.Drop("untrusted_share");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "round {Round} done: training loss {Loss:F4}{Accuracy}; shares from {Arrived} of {Expected} trusted peers")]
    private partial void LogRound(long round, double loss, string accuracy, int arrived, int expected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "round {Round}: no share from {Count} trusted peer(s) before the deadline: {Peers}")]
    private partial void LogMissing(long round, int count, string peers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Peer}: no share for {Rounds} rounds in a row; presumed down, not waited for until a share from it arrives")]
    private partial void LogSourcePresumedDown(string peer, int rounds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Peer} is back (a share of round {Round} arrived); waiting for its shares again")]
    private partial void LogSourceBack(string peer, long round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Peer}: {Rounds} shares in a row not delivered; presumed down, its shares are kept until it is heard from again (probed after 3, 6, 12, … rounds)")]
    private partial void LogFollowerPresumedDown(string peer, int rounds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Peer} is back (heard from it again); sending it shares again")]
    private partial void LogFollowerBack(string peer);
}
