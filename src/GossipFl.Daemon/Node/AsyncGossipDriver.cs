using System.Globalization;
using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Files;
using GossipFl.Topology.Graph;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Node;

/// <summary>
/// Runs a daemon's rounds asynchronously with bounded staleness τ (<see cref="RoundOptions.Staleness"/>), the same
/// algorithm objects as the synchronous driver: train, send (without waiting for the acknowledgements), fold every
/// share that has arrived, next round. A round waits only when a live trusted peer has not yet been heard at round
/// <c>t − τ</c> or later, and then at most the round deadline, after which that peer counts as a straggler (not
/// waited for, its shares still folded whenever they arrive) until it has caught up again.
/// </summary>
/// <remarks>
/// Push-sum mass stays accounted for: every share sent is either acknowledged (the follower holds it and folds it)
/// or reclaimed, in whatever later round its failure becomes known; shares that arrive late fold when they arrive.
/// Rounds of different peers need not agree, so shares are not refused for being "ahead"; instead they are summed
/// per sender as they arrive, which bounds memory by one model per sender. Rules, bound and guarantees:
/// docs/algorithms.md, "Asynchronous mode".
/// </remarks>
internal sealed partial class AsyncGossipDriver : IRoundDriver
{
    /// <summary>Rounds of a sender for which duplicates are still recognised (older ones are far beyond any staleness).</summary>
    private const int DuplicateWindow = 256;

    /// <summary>
    /// Unacknowledged shares a follower may have at once. A transfer normally completes within a round; a follower
    /// with this many outstanding is dead or cannot keep up, and the node keeps further shares (reclaimed at once)
    /// instead of queueing copies of its model for it.
    /// </summary>
    public const int MaxInFlightPerFollower = 4;

    private readonly RoundServices _services;
    private readonly GossipNode _node;
    private readonly NodeState _state;
    private readonly ILogger _logger;
    private readonly int _staleness;
    private readonly bool _pushSum;
    private readonly List<GossipMessage> _outbox = [];
    private readonly List<InFlight> _inFlight = [];
    private readonly Dictionary<string, SenderInbox> _inboxes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stragglers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _paidUpTo = new(StringComparer.Ordinal);
    private long _round;

    public AsyncGossipDriver(
        string name, TopologyDocument topology, GossipNode node, ILocalLearner learner, IShareExchange exchange, RoundOptions options,
        NodeState state, CheckpointStore? checkpoints, MetricsWriter? metrics, ILogger logger, DaemonAttack? attack = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.Staleness);
        _services = new RoundServices(name, topology, node, learner, exchange, options, state, checkpoints, metrics, logger, asynchronous: true) { Attack = attack };
        _node = node;
        _state = state;
        _logger = logger;
        _staleness = options.Staleness;
        _pushSum = node.Algorithm == AlgorithmKind.PushSum;
        HoldBelow = HoldThreshold(options.Staleness);
    }

    /// <summary>Raised after each completed round with the round number (for tests).</summary>
    public event Action<long>? RoundCompleted;

    public GossipNode Node => _node;

    /// <summary>
    /// Push-sum: a node whose weight is below this when it sends keeps its whole mass for the round (each follower
    /// still gets a share with no mass, so it sees how far the node has got). Reclaims and received shares only add
    /// to w, so w never falls below (kept fraction) × this threshold, whatever the timing: z = x / w and the gradient's
    /// effective step η / w stay bounded. 1/(2(τ+1)) is half of what a node keeps with τ rounds of its shares in
    /// flight at an even pace; it bites mostly when mass drains toward a peer that does not give it back.
    /// </summary>
    public double HoldBelow { get; }

    /// <summary>The newest round heard from each sender so far (-1: none).</summary>
    public long HeardFrom(string peer) => _inboxes.TryGetValue(peer, out var inbox) ? inbox.Newest : -1;

    /// <summary>Push-sum weight received but not folded yet (part of the mass "in flight", for accounting).</summary>
    public double PendingWeight => _inboxes.Values.Sum(inbox => inbox.Weight);

    /// <summary>Trusted peers not waited for at the moment (they fell more than τ behind for a whole deadline).</summary>
    public IReadOnlyCollection<string> Stragglers => _stragglers;

    /// <summary>Rounds in which the node kept its mass (weight under <see cref="HoldBelow"/>).</summary>
    public int HeldRounds { get; private set; }

    public static double HoldThreshold(int staleness) => 1.0 / (2.0 * (staleness + 1));

    public async Task RunAsync(long firstRound, CancellationToken cancellation)
    {
        for (var round = firstRound; round < _services.Options.Rounds; round++)
        {
            cancellation.ThrowIfCancellationRequested();
            await RunRoundAsync(round, last: round == _services.Options.Rounds - 1, cancellation).ConfigureAwait(false);
            RoundCompleted?.Invoke(round);
        }

        _state.Phase("finished");
    }

    private async Task RunRoundAsync(long round, bool last, CancellationToken cancellation)
    {
        _round = round;
        var (graph, plans) = _services.PlansFor(round);
        var self = graph.IndexOf(_services.Name);
        var plan = plans[self];
        _node.BeginRound(round, plan);
        _state.Phase("training");
        var loss = _node.Train(_services.Learner);

        var held = _pushSum && _node.Weight < HoldBelow;
        HeldRounds += held ? 1 : 0;
        var sources = plan.Sources.ToArray().Where(s => s != self).Select(graph.NameOf).ToArray();
        Send(round, graph, sources, held, cancellation);

        _state.Phase("exchanging");
        await WaitForLaggardsAsync(round, sources, cancellation).ConfigureAwait(false);
        Drain();

        // The last round waits for its own sends, so that nothing this node gave away is left unaccounted when it stops.
        if (last)
        {
            await Task.WhenAll(_inFlight.Select(f => f.Delivered)).ConfigureAwait(false);
        }

        ReclaimFailedSends();
        var fresh = sources.Count(s => HeardFrom(s) >= round - _staleness);
        Fold(graph);
        _node.Complete();

        var accuracy = _services.Record(round, loss);
        var note = held ? " (kept its mass: weight under " + HoldBelow.ToString("0.###", CultureInfo.InvariantCulture) + ")" : string.Empty;
        LogRound(round, loss, accuracy, fresh, sources.Length, _node.Weight, note);
    }

    /// <summary>
    /// Sends this round's shares without waiting for them. A node that holds its mass sends the same messages with
    /// no share and no weight, and takes the planned shares back at once.
    /// </summary>
    private void Send(long round, TrustGraph graph, string[] sources, bool held, CancellationToken cancellation)
    {
        _outbox.Clear();
        _node.Send(_outbox);
        foreach (var message in _outbox)
        {
            var peer = graph.NameOf(message.To);
            if (_inFlight.Count(f => f.Peer == peer && !f.Delivered.IsCompleted) >= MaxInFlightPerFollower || !KeepsUp(peer, round, sources))
            {
                _node.Reclaim(message);
                _state.Drop("share_withheld");
                continue;
            }

            if (held)
            {
                _node.Reclaim(message);
                _inFlight.Add(new InFlight(peer, null, _services.SendAsync(peer, round, 0, 0, message.Values, cancellation)));
                continue;
            }

            // The node's send snapshot moves on next round; a share whose failure is learned later needs its own copy.
            var kept = _pushSum ? message with { Values = message.Values.ToArray() } : (GossipMessage?)null;
            _inFlight.Add(new InFlight(peer, kept, _services.SendAsync(peer, round, message.Share, message.Weight, message.Values, cancellation)));
        }
    }

    /// <summary>
    /// Whether <paramref name="follower"/> gets this round's share. A follower we also trust tells us its pace with its
    /// own shares: while it is within τ rounds of us it gets every share; further behind, it gets one per round of its
    /// own that we have heard, so the mass we give it matches what it can fold and give back. Without this, mass piles
    /// up at a slow peer and the fast ones' weights fall to the hold threshold, where they stop mixing with each other.
    /// A follower we do not trust shows no pace and gets every share (the hold rule still bounds the weight).
    /// </summary>
    private bool KeepsUp(string follower, long round, string[] sources)
    {
        if (!sources.Contains(follower, StringComparer.Ordinal))
        {
            return true;
        }

        var heard = HeardFrom(follower);
        if (heard >= round - _staleness)
        {
            return true;
        }

        if (_paidUpTo.TryGetValue(follower, out var paid) && paid >= heard)
        {
            return false;
        }

        _paidUpTo[follower] = heard;
        return true;
    }

    /// <summary>
    /// Waits until every live trusted peer has been heard at round <c>round − τ</c> or later, or the deadline passed;
    /// peers still behind then become stragglers.
    /// </summary>
    private async Task WaitForLaggardsAsync(long round, string[] sources, CancellationToken cancellation)
    {
        var needed = round - _staleness;
        bool Lagging(string peer) => !_stragglers.Contains(peer) && HeardFrom(peer) < needed;
        if (!sources.Any(Lagging))
        {
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(_services.Options.RoundDeadline);
        while (sources.Any(Lagging))
        {
            IncomingPayload incoming;
            try
            {
                incoming = await _services.Exchange.ReceiveAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                var behind = sources.Where(Lagging).Order(StringComparer.Ordinal).ToArray();
                foreach (var peer in behind)
                {
                    _stragglers.Add(peer);
                    _state.Drop("straggler");
                }

                var seconds = _services.Options.RoundDeadline.TotalSeconds;
                LogStragglers(round, needed, seconds, string.Join(", ", behind));
                return;
            }

            using (incoming)
            {
                Accept(incoming);
            }
        }
    }

    /// <summary>Takes every share that has already arrived, without waiting.</summary>
    private void Drain()
    {
        while (_services.Exchange.TryReceive(out var incoming))
        {
            using (incoming)
            {
                Accept(incoming);
            }
        }
    }

    private void Accept(IncomingPayload incoming)
    {
        if (_services.Read(incoming) is not { } share)
        {
            return;
        }

        var sender = incoming.Sender;
        if (!_inboxes.TryGetValue(sender, out var inbox))
        {
            _inboxes[sender] = inbox = new SenderInbox(_node.X.Length);
        }

        if (!inbox.Add(share, _pushSum))
        {
            _state.Drop("duplicate_share");
            return;
        }

        _state.Heard(sender);
        if (share.Round >= _round - _staleness && _stragglers.Remove(sender))
        {
            LogCaughtUp(sender, share.Round);
        }
    }

    /// <summary>Takes back every share whose send has failed by now, from this round or an earlier one.</summary>
    private void ReclaimFailedSends()
    {
        for (var k = _inFlight.Count - 1; k >= 0; k--)
        {
            var (_, message, delivered) = _inFlight[k];
            if (!delivered.IsCompleted)
            {
                continue;
            }

            // A send cancelled because the node is stopping is neither delivered nor failed; the node keeps its last
            // checkpoint, so there is nothing to take back (and reading its result would throw).
            _inFlight.RemoveAt(k);
            if (delivered.IsCompletedSuccessfully && !delivered.Result && message is { } share)
            {
                _node.Reclaim(share);
                _state.Drop("share_reclaimed");
            }
        }
    }

    private void Fold(TrustGraph graph)
    {
        foreach (var (sender, inbox) in _inboxes)
        {
            if (inbox.Count == 0)
            {
                continue;
            }

            var message = new GossipMessage(graph.IndexOf(sender), _node.Index, inbox.Newest, inbox.Share, inbox.Weight, inbox.Values);
            if (!_node.Receive(message))
            {
                _state.Drop("untrusted_share");
            }

            inbox.Detach();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "round {Round} done: training loss {Loss:F4}{Accuracy}; {Arrived} of {Expected} trusted peers within the staleness bound, push-sum weight {Weight:F4}{Note}")]
    private partial void LogRound(long round, double loss, string accuracy, int arrived, int expected, double weight, string note);

    [LoggerMessage(Level = LogLevel.Warning, Message = "round {Round}: no share of round {Needed} or later after {Seconds} s from {Peers}; not waiting for them until they catch up")]
    private partial void LogStragglers(long round, long needed, double seconds, string peers);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Peer} caught up (its round {Round}); waiting for it again when it falls behind")]
    private partial void LogCaughtUp(string peer, long round);

    /// <summary>A share on its way: the message to reclaim if the send fails (null when there is no mass to take back).</summary>
    private readonly record struct InFlight(string Peer, GossipMessage? Message, Task<bool> Delivered);

    /// <summary>
    /// What one sender's shares add up to until the next fold. Push-sum shares are summed (x part Σ share·values in
    /// float, weight Σ weight in double) and folded with coefficient 1, which is exact for a single share; row schemes
    /// keep only the sender's newest model, as <see cref="GossipNode.Complete"/> would.
    /// </summary>
    private sealed class SenderInbox(int length)
    {
        private readonly HashSet<long> _seen = [];
        private float[] _values = new float[length];
        private float[] _spare = new float[length];

        public int Count { get; private set; }

        public long Newest { get; private set; } = -1;

        public double Share { get; private set; }

        public double Weight { get; private set; }

        public float[] Values => _values;

        public bool Add(ModelShare share, bool pushSum)
        {
            if (!_seen.Add(share.Round))
            {
                return false;
            }

            if (_seen.Count > DuplicateWindow)
            {
                _seen.RemoveWhere(r => r < Newest - DuplicateWindow);
            }

            if (pushSum)
            {
                if (Count == 0)
                {
                    VectorMath.Scale(_values, share.Values.Span, (float)share.Share);
                }
                else
                {
                    VectorMath.AddScaled(_values, share.Values.Span, (float)share.Share);
                }

                Share = 1.0;
                Weight += share.Weight;
            }
            else if (share.Round > Newest || Count == 0)
            {
                share.Values.Span.CopyTo(_values);
                Share = share.Share;
            }

            Newest = Math.Max(Newest, share.Round);
            Count++;
            return true;
        }

        /// <summary>
        /// Starts an empty sum in the other buffer: the node reads the folded one until Complete, which comes before
        /// the next share is added, so two buffers take turns without allocating.
        /// </summary>
        public void Detach()
        {
            (_values, _spare) = (_spare, _values);
            Count = 0;
            Share = 0;
            Weight = 0;
        }
    }
}
