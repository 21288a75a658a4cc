using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Files;
using GossipFl.Topology.Graph;
using GossipFl.Topology.Mixing;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Node;

/// <summary>
/// What the synchronous and the asynchronous round drivers do alike: build a round's mixing plans, send one share,
/// read and validate an incoming share, and record a finished round (evaluation, metrics, checkpoint, status).
/// The drivers differ only in when they wait and what they fold; keeping the rest here keeps each of them short.
/// </summary>
internal sealed partial class RoundServices
{
    private readonly ILogger _logger;
    private readonly MixingScheme _scheme;
    private readonly float[] _model;
    private readonly RoundGarbage _garbage = new();
    private readonly HashSet<string> _reportedModeMismatch = new(StringComparer.Ordinal);
    private (long Round, TrustGraph Graph, MixingPlan[] Plans)? _cached;

    public RoundServices(
        string name, TopologyDocument topology, IGossipModel node, ILocalLearner learner, IShareExchange exchange, RoundOptions options,
        NodeState state, CheckpointStore? checkpoints, MetricsWriter? metrics, ILogger logger, bool asynchronous)
    {
        Name = name;
        Asynchronous = asynchronous;
        Topology = topology;
        Node = node;
        Learner = learner;
        Exchange = exchange;
        Options = options;
        State = state;
        Checkpoints = checkpoints;
        Metrics = metrics;
        _logger = logger;
        _scheme = AlgorithmNames.SchemeOf(node.Algorithm) ?? throw new ArgumentException($"{node.Algorithm} is not a gossip algorithm", nameof(node));
        _model = new float[node.X.Length];
    }

    public string Name { get; }

    /// <summary>Whether the driver runs asynchronous rounds; shares say the same, and shares from the other mode are refused.</summary>
    public bool Asynchronous { get; }

    public TopologyDocument Topology { get; }

    public IGossipModel Node { get; }

    public ILocalLearner Learner { get; }

    public IShareExchange Exchange { get; }

    public RoundOptions Options { get; }

    public NodeState State { get; }

    public CheckpointStore? Checkpoints { get; }

    public MetricsWriter? Metrics { get; }

    public ILogger Logger => _logger;

    /// <summary>
    /// This round's graph and plans, built as the simulator builds them (<see cref="MixingPlan.ForAll"/>), so the
    /// shares are the same doubles; a static topology builds them once.
    /// </summary>
    public (TrustGraph Graph, MixingPlan[] Plans) PlansFor(long round)
    {
        var key = Topology.IsTimeVarying ? round : 0;
        if (_cached is not { } cached || cached.Round != key)
        {
            var graph = Topology.GraphForRound(round);
            _cached = cached = (key, graph, MixingPlan.ForAll(graph, _scheme));
        }

        return (cached.Graph, cached.Plans);
    }

    /// <summary>Test-only: this node attacks (<see cref="DaemonAttack"/>); null for an honest node.</summary>
    public DaemonAttack? Attack { get; init; }

    /// <summary>Sends one share, marked with this node's mode; true once the peer acknowledged all of it, false (logged and counted) otherwise.</summary>
    public Task<bool> SendAsync(string peer, long round, double fraction, double weight, ReadOnlyMemory<float> values, CancellationToken cancellation)
    {
        values = Attack?.Apply(round, values) ?? values;
        var share = new ModelShare(round, fraction, weight, values, Asynchronous);
        var bytes = new byte[share.Size];
        share.WriteTo(bytes);
        return SendBytesAsync(peer, round, bytes, cancellation);
    }

    /// <summary>Sends an encoded share of <paramref name="round"/>, as <see cref="SendAsync"/>.</summary>
    public async Task<bool> SendBytesAsync(string peer, long round, byte[] bytes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            await Exchange.SendAsync(peer, bytes, Options.RoundDeadline, cancellation).ConfigureAwait(false);
            State.AddSent(bytes.Length);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            // The follower misses this share; the driver reclaims it (docs/algorithms.md).
            if (ex is Transport.TransportException { Failure: Transport.TransportFailure.ContextMismatch })
            {
                // A peer of another task: the daemon said so once with both signatures; once a round adds nothing.
                State.Drop("send_refused_other_task");
            }
            else
            {
                State.Drop("send_failed");
                LogSendFailed(round, peer, ex.Message);
            }
            return false;
        }
    }

    /// <summary>
    /// Reads payloads until no peer is left in <paramref name="missing"/> or the round deadline passes.
    /// <paramref name="arrived"/> handles each payload and says whether it was this round's share from its sender, who is
    /// then no longer missing. What is still in <paramref name="missing"/> afterwards did not arrive in time.
    /// </summary>
    public async Task WaitForSharesAsync(HashSet<string> missing, Func<IncomingPayload, bool> arrived, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(Options.RoundDeadline);
        while (missing.Count > 0)
        {
            IncomingPayload incoming;
            try
            {
                incoming = await Exchange.ReceiveAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                return;
            }

            using (incoming)
            {
                if (arrived(incoming))
                {
                    missing.Remove(incoming.Sender);
                }
            }
        }
    }

    /// <summary>The share in <paramref name="incoming"/> if it comes from a node of the topology and is well formed; dropped and counted otherwise.</summary>
    public ModelShare? Read(IncomingPayload incoming)
    {
        if (!ReadHeader(incoming))
        {
            return null;
        }

        if (!ModelShare.TryRead(incoming.Payload.Span, Node.X.Length, out var share, out var reason))
        {
            State.Drop("malformed_share");
            LogMalformed(incoming.Sender, reason);
            return null;
        }

        if (share.Asynchronous != Asynchronous)
        {
            // Mixing a synchronous and an asynchronous node breaks both: the synchronous one waits out every deadline
            // for shares it then refuses as too far ahead, and push-sum's mass is no longer accounted for. Say so once
            // per peer, and count every refused share.
            State.Drop("mode_mismatch");
            if (_reportedModeMismatch.Add(incoming.Sender))
            {
                LogModeMismatch(incoming.Sender, ModeName(share.Asynchronous), ModeName(Asynchronous));
            }

            return null;
        }

        return share;
    }

    /// <summary>
    /// The compressed share in <paramref name="incoming"/> (its payload copied out of the pooled buffer) if it comes from
    /// a node of the topology and decodes with <paramref name="codec"/>; dropped, counted and logged otherwise (an
    /// uncompressed share from a peer not compressing is refused naming both).
    /// </summary>
    public CompressedModelShare? ReadCompressed(IncomingPayload incoming, Learning.Compression.ICodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (!ReadHeader(incoming))
        {
            return null;
        }

        var copy = incoming.Payload.ToArray();
        if (!CompressedModelShare.TryRead(copy, codec, out var share, out var reason))
        {
            State.Drop("malformed_share");
            LogMalformed(incoming.Sender, CompressedModelShare.IsCompressed(copy) || copy.Length < 2 || copy[0] != ModelShare.Kind
                ? reason
                : $"an uncompressed share, this node runs --compress {codec.Spec}");
            return null;
        }

        return share;
    }

    /// <summary>Counts the bytes, refuses unknown senders and handles subscriptions; true when the payload should be read as a share.</summary>
    private bool ReadHeader(IncomingPayload incoming)
    {
        State.AddReceived(incoming.Payload.Length);
        if (!Topology.Graph.TryGetIndex(incoming.Sender, out _))
        {
            State.Drop("unknown_peer");
            return false;
        }

        if (incoming.Payload.Length > 0 && incoming.Payload.Span[0] == Subscription.Kind)
        {
            OnSubscription(incoming);
            return false;
        }

        return true;
    }

    private static string ModeName(bool asynchronous) => asynchronous ? "async" : "sync";

    /// <summary>
    /// A follower says it is there (or leaving). Only followers the topology lists count: the mixing weights come
    /// from the shared topology, so a subscription from anyone else changes nothing and is reported.
    /// </summary>
    private void OnSubscription(IncomingPayload incoming)
    {
        var sender = incoming.Sender;
        if (!Subscription.TryRead(incoming.Payload.Span, out var subscription, out var reason))
        {
            State.Drop("malformed_subscription");
            LogMalformed(sender, reason);
            return;
        }

        if (!State.Followers.Contains(sender))
        {
            State.Drop("unexpected_subscription");
            LogUnexpectedSubscription(sender);
            return;
        }

        State.Heard(sender);
        State.Subscribed(sender, subscription.Follows);
        if (subscription.Follows)
        {
            LogSubscribed(sender);
        }
        else
        {
            LogUnsubscribed(sender);
        }
    }

    /// <summary>
    /// After <see cref="GossipNode.Complete"/>: evaluates when due, writes the metrics line, checkpoints and publishes
    /// the status. Returns the accuracy text for the round's log line (empty when not evaluated).
    /// </summary>
    public string Record(long round, double loss)
    {
        State.Judged(Node.LastVerdicts.Select(v => (Topology.Graph.NameOf(v.Peer), v.Outcome)));
        Node.CopyModel(_model);
        var evaluated = Evaluated.None;
        if (Options.EvaluateEvery > 0 && ((round + 1) % Options.EvaluateEvery == 0 || round == Options.Rounds - 1))
        {
            evaluated = Evaluated.Of(Learner, _model);
        }

        var status = State.Snapshot();
        var declined = Learner is Learning.Privacy.PrivateLearner { Exhausted: true };
        Metrics?.WriteNode(new NodeMetrics(round, Name, declined ? null : loss, evaluated.TestLoss, evaluated.TestAccuracy, Node.Weight, status.BytesSent, status.BytesReceived,
            ValidationLoss: evaluated.ValidationLoss, ValidationAccuracy: evaluated.ValidationAccuracy,
            Epsilon: status.Delta is null ? null : status.Epsilon ?? double.PositiveInfinity, Delta: status.Delta));
        if (Checkpoints is not null && (round + 1) % Options.CheckpointEvery == 0)
        {
            Checkpoints.Save(round, Node.Weight, Node.X);
        }

        State.RoundDone(round, declined ? null : loss, Node.Weight, evaluated, (float[])_model.Clone());
        _garbage.AfterRound();
        return evaluated.Describe() + (evaluated.TestAccuracy is not null || evaluated.ValidationAccuracy is not null ? PrivacyText(status) : "");
    }

    /// <summary>"; ε = 1.234 at δ = 1E-05" for a node under peer-level DP, empty otherwise (appended to evaluated rounds' log lines).</summary>
    public static string PrivacyText(Status.NodeStatus status) => status.Delta is { } delta
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"; ε = {(status.Epsilon is { } e ? e.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) : "∞")} at δ = {delta:G3}")
        : "";

    [LoggerMessage(Level = LogLevel.Warning, Message = "round {Round}: could not deliver the share to {Peer}: {Reason}")]
    private partial void LogSendFailed(long round, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Peer} follows this node (subscribed)")]
    private partial void LogSubscribed(string peer);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Peer} stopped following this node (it is leaving)")]
    private partial void LogUnsubscribed(string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Peer} subscribed, but the topology does not say it trusts this node; ignored (mixing weights come from the topology)")]
    private partial void LogUnexpectedSubscription(string peer);

    [LoggerMessage(Level = LogLevel.Error, Message = "refusing shares from {Peer}: it runs --mode {Theirs} and this node --mode {Ours}; every peer of a run must use the same mode (training.mode in the topology file, or --mode)")]
    private partial void LogModeMismatch(string peer, string theirs, string ours);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropped a share from {Peer}: {Reason}")]
    private partial void LogMalformed(string peer, string reason);
}
