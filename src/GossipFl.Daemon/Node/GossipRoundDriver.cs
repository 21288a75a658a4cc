using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Files;
using GossipFl.Topology.Graph;
using GossipFl.Topology.Mixing;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Node;

/// <summary>
/// Runs a daemon's synchronous gossip rounds with the very algorithm objects the simulator runs
/// (ARCHITECTURE.md §3): begin the round with this round's mixing plan, train locally, send a share to every
/// follower, collect shares from trusted peers until all arrived or the round deadline passed, fold them in,
/// then evaluate, log, checkpoint and publish status. A dead or slow peer costs at most one deadline per round.
/// </summary>
/// <remarks>
/// Shares are validated before they reach the algorithm: unknown senders, malformed bodies, stale rounds, rounds
/// too far ahead and duplicates are dropped and counted. Shares from earlier rounds that arrive late are folded
/// into the current round, as the simulator's delayed links do, so push-sum mass is not lost to lateness.
/// </remarks>
internal sealed partial class GossipRoundDriver
{

    private readonly string _name;
    private readonly TopologyDocument _topology;
    private readonly GossipNode _node;
    private readonly ILocalLearner _learner;
    private readonly IShareExchange _exchange;
    private readonly RoundOptions _options;
    private readonly NodeState _state;
    private readonly CheckpointStore? _checkpoints;
    private readonly MetricsWriter? _metrics;
    private readonly ILogger _logger;
    private readonly MixingScheme _scheme;
    private readonly List<GossipMessage> _outbox = [];
    private readonly Dictionary<(string Sender, long Round), ModelShare> _pending = [];
    private readonly float[] _model;
    private (long Round, TrustGraph Graph, MixingPlan[] Plans)? _cached;

    public GossipRoundDriver(
        string name, TopologyDocument topology, GossipNode node, ILocalLearner learner, IShareExchange exchange, RoundOptions options,
        NodeState state, CheckpointStore? checkpoints, MetricsWriter? metrics, ILogger logger)
    {
        _name = name;
        _topology = topology;
        _node = node;
        _learner = learner;
        _exchange = exchange;
        _options = options;
        _state = state;
        _checkpoints = checkpoints;
        _metrics = metrics;
        _logger = logger;
        _scheme = AlgorithmNames.SchemeOf(node.Algorithm) ?? throw new ArgumentException($"{node.Algorithm} is not a gossip algorithm", nameof(node));
        _model = new float[node.X.Length];
    }

    /// <summary>Raised after each completed round (for tests and the host's logs).</summary>
    public event Action<long>? RoundCompleted;

    public GossipNode Node => _node;

    public async Task RunAsync(long firstRound, CancellationToken cancellation)
    {
        for (var round = firstRound; round < _options.Rounds; round++)
        {
            cancellation.ThrowIfCancellationRequested();
            await RunRoundAsync(round, cancellation).ConfigureAwait(false);
            RoundCompleted?.Invoke(round);
        }

        _state.Phase("finished");
    }

    private async Task RunRoundAsync(long round, CancellationToken cancellation)
    {
        var (graph, plans) = PlansFor(round);
        var self = graph.IndexOf(_name);
        var plan = plans[self];
        _node.BeginRound(round, plan);
        _state.Phase("training");
        var loss = _node.Train(_learner);

        _outbox.Clear();
        _node.Send(_outbox);
        _state.Phase("exchanging");
        var sends = _outbox.Select(message => (Message: message, Delivered: SendAsync(graph.NameOf(message.To), round, message, cancellation))).ToArray();

        var sources = plan.Sources.ToArray().Where(s => s != self).Select(graph.NameOf).ToHashSet(StringComparer.Ordinal);
        var missing = await CollectAsync(round, sources, cancellation).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            LogMissing(round, missing.Count, string.Join(", ", missing.Order(StringComparer.Ordinal)));
            _state.Drop("missing_share");
            foreach (var peer in missing)
            {
                _state.Missed(peer);
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
        }

        FoldPending(round, graph);
        _node.Complete();

        _node.CopyModel(_model);
        double? testLoss = null, testAccuracy = null;
        if (_options.EvaluateEvery > 0 && ((round + 1) % _options.EvaluateEvery == 0 || round == _options.Rounds - 1))
        {
            var evaluation = _learner.Evaluate(_model);
            (testLoss, testAccuracy) = (evaluation.Loss, evaluation.Accuracy);
        }

        var status = _state.Snapshot();
        _metrics?.WriteNode(new NodeMetrics(round, _name, loss, testLoss, testAccuracy, _node.Weight, status.BytesSent, status.BytesReceived));
        if (_checkpoints is not null && (round + 1) % _options.CheckpointEvery == 0)
        {
            _checkpoints.Save(round, _node.Weight, _node.X);
        }

        _state.RoundDone(round, loss, _node.Weight, testLoss, testAccuracy, (float[])_model.Clone());
        LogRound(round, loss, testAccuracy is { } a ? $", test accuracy {a:0.00%}" : string.Empty, sources.Count - missing.Count, sources.Count);
    }

    /// <summary>
    /// This round's graph and plans, built as the simulator builds them (<see cref="MixingPlan.ForAll"/>), so the
    /// shares are the same doubles; a static topology builds them once.
    /// </summary>
    private (TrustGraph Graph, MixingPlan[] Plans) PlansFor(long round)
    {
        var key = _topology.IsTimeVarying ? round : 0;
        if (_cached is not { } cached || cached.Round != key)
        {
            var graph = _topology.GraphForRound(round);
            _cached = cached = (key, graph, MixingPlan.ForAll(graph, _scheme));
        }

        return (cached.Graph, cached.Plans);
    }

    /// <summary>Sends one share; true once the peer acknowledged all of it, false (logged and counted) otherwise.</summary>
    private async Task<bool> SendAsync(string peer, long round, GossipMessage message, CancellationToken cancellation)
    {
        var share = new ModelShare(round, message.Share, message.Weight, message.Values);
        var bytes = new byte[share.Size];
        share.WriteTo(bytes);
        try
        {
            await _exchange.SendAsync(peer, bytes, _options.RoundDeadline, cancellation).ConfigureAwait(false);
            _state.AddSent(bytes.Length);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            // The follower misses this share; push-sum counts it as lost mass (docs/algorithms.md).
            _state.Drop("send_failed");
            LogSendFailed(round, peer, ex.Message);
            return false;
        }
    }

    /// <summary>Reads shares until every trusted source has sent this round's, or the deadline passes; returns who is missing.</summary>
    private async Task<HashSet<string>> CollectAsync(long round, HashSet<string> sources, CancellationToken cancellation)
    {
        var missing = sources.Where(s => !_pending.ContainsKey((s, round))).ToHashSet(StringComparer.Ordinal);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(_options.RoundDeadline);
        while (missing.Count > 0)
        {
            IncomingPayload incoming;
            try
            {
                incoming = await _exchange.ReceiveAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                break;
            }

            using (incoming)
            {
                if (Accept(incoming, round) is { } accepted && accepted.Round == round)
                {
                    missing.Remove(incoming.Sender);
                }
            }
        }

        return missing;
    }

    private ModelShare? Accept(IncomingPayload incoming, long round)
    {
        _state.AddReceived(incoming.Payload.Length);
        if (!_topology.Graph.TryGetIndex(incoming.Sender, out _))
        {
            _state.Drop("unknown_peer");
            return null;
        }

        if (!ModelShare.TryRead(incoming.Payload.Span, _node.X.Length, out var share, out var reason))
        {
            _state.Drop("malformed_share");
            LogMalformed(incoming.Sender, reason);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "round {Round}: could not deliver the share to {Peer}: {Reason}")]
    private partial void LogSendFailed(long round, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropped a share from {Peer}: {Reason}")]
    private partial void LogMalformed(string peer, string reason);
}
