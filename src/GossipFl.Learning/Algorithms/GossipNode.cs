using System.Runtime.InteropServices;
using GossipFl.Learning.Robustness;

namespace GossipFl.Learning.Algorithms;

/// <summary>
/// One node of a gossip algorithm (OPS / push-sum, D-PSGD, DOL), knowing nothing of how messages travel. A
/// driver (the simulator, or a daemon) runs each round in four calls:
/// <list type="number">
/// <item><see cref="BeginRound"/> with the round number and the node's <see cref="MixingPlan"/> for that round;</item>
/// <item><see cref="Train"/>: local training through an <see cref="ILocalLearner"/>;</item>
/// <item><see cref="Send"/>: the messages to deliver (one per follower);</item>
/// <item><see cref="Receive"/> for each message that arrived, in any order, then <see cref="Complete"/>, which
/// folds them in sender order so the result does not depend on arrival order.</item>
/// </list>
/// Update rules and what happens to missing messages are in docs/algorithms.md.
/// </summary>
public sealed class GossipNode : IGossipModel
{
    private readonly float[] _sent;
    private readonly float[] _model;
    private readonly List<GossipMessage> _inbox = [];
    private double _reclaimedShare;
    private readonly List<ReadOnlyMemory<float>> _foldSources = [];
    private float[] _foldCoefficients = new float[8];
    private MixingPlan? _plan;
    private bool _sentThisRound;
    private int _nextSource;
    private readonly List<ContributionVerdict> _verdicts = [];
    private readonly List<float[]> _clipBuffers = [];
    private float[]? _center;

    /// <summary>
    /// Under <c>clipped:auto</c>, each neighbour's distance when it was last heard from. τ is the lower median over
    /// the current trusted neighbours' entries, so a round in which few vectors arrived (asynchronous mode, loss) is
    /// judged against the spread seen before, not only against what arrived: otherwise a Byzantine vector that arrives
    /// alone sets τ to its own distance and is kept. When every neighbour's vector arrives, the entries are this
    /// round's distances and τ is what it always was.
    /// </summary>
    private readonly Dictionary<int, double> _lastDistances = [];
    private readonly List<double> _radiusDistances = [];

    /// <param name="aggregation">How received vectors are mixed: null or <c>mean</c> is plain gossip; <c>clipped</c> is self-centered clipping.</param>
    public GossipNode(int index, AlgorithmKind algorithm, ReadOnlySpan<float> initial, AggregationSpec? aggregation = null)
    {
        if (AlgorithmNames.SchemeOf(algorithm) is null)
        {
            throw new ArgumentException($"{algorithm} is not a gossip algorithm", nameof(algorithm));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Index = index;
        Algorithm = algorithm;
        X = initial.ToArray();
        _sent = new float[X.Length];
        _model = new float[X.Length];
        Weight = 1.0;
        Aggregation = aggregation ?? AggregationSpec.Mean;
        Aggregation.EnsureFits(algorithm);
    }

    public AggregationSpec Aggregation { get; }

    /// <summary>What the last <see cref="Complete"/> did with each other peer's message it folded, in sender order.</summary>
    public IReadOnlyList<ContributionVerdict> LastVerdicts => _verdicts;

    /// <summary>The clipping radius τ the last <see cref="Complete"/> used (+∞ under <c>mean</c> or with no neighbour).</summary>
    public double LastRadius { get; private set; } = double.PositiveInfinity;

    public int Index { get; }

    public AlgorithmKind Algorithm { get; }

    /// <summary>The parameter vector x (push-sum's numerator; the model itself for the other schemes).</summary>
    public float[] X { get; }

    /// <summary>Push-sum weight w (starts at 1; stays 1 for schemes without weights).</summary>
    public double Weight { get; private set; }

    /// <summary>The current round (set by <see cref="BeginRound"/>).</summary>
    public long Round { get; private set; }

    /// <summary>Messages accepted for the current round so far.</summary>
    public int ReceivedCount => _inbox.Count;

    /// <summary>Messages refused this round because the node does not trust the sender (counted, never folded).</summary>
    public int RejectedCount { get; private set; }

    private bool IsPushSum => Algorithm == AlgorithmKind.PushSum;

    /// <summary>
    /// Writes the de-biased model z = x · (1/w) (push-sum) or x (other schemes) into <paramref name="destination"/>.
    /// The reciprocal is taken in double and rounded to float once, then multiplied per element.
    /// </summary>
    public void CopyModel(Span<float> destination)
    {
        if (IsPushSum)
        {
            VectorMath.Scale(destination, X, (float)(1.0 / Weight));
        }
        else
        {
            X.CopyTo(destination);
        }
    }

    /// <summary>
    /// Puts back a checkpointed state (x and the push-sum weight) after a restart; the next round then continues
    /// exactly where the checkpoint's round ended.
    /// </summary>
    public void Restore(ReadOnlySpan<float> x, double weight)
    {
        if (x.Length != X.Length)
        {
            throw new ArgumentException($"checkpoint has {x.Length} values, the model {X.Length}", nameof(x));
        }

        if (!(weight > 0) || double.IsInfinity(weight))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "a push-sum weight must be positive and finite");
        }

        x.CopyTo(X);
        Weight = weight;
    }

    /// <summary>Starts round <paramref name="round"/> with this node's mixing plan for it.</summary>
    public void BeginRound(long round, MixingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Node != Index)
        {
            throw new ArgumentException($"plan is for node {plan.Node}, not {Index}", nameof(plan));
        }

        if (plan.Scheme != AlgorithmNames.SchemeOf(Algorithm))
        {
            throw new ArgumentException($"{Algorithm} needs {AlgorithmNames.SchemeOf(Algorithm)} weights, the plan has {plan.Scheme}", nameof(plan));
        }

        Round = round;
        _plan = plan;
        _inbox.Clear();
        RejectedCount = 0;
        _nextSource = 0;
        _sentThisRound = false;
        _reclaimedShare = 0;
    }

    /// <summary>
    /// Local step: gradients at z = x / w applied to x under push-sum (OPS Algorithm 1), at x applied to x
    /// otherwise. Returns the learner's loss (measured before the update).
    /// </summary>
    public double Train(ILocalLearner learner)
    {
        ArgumentNullException.ThrowIfNull(learner);
        if (IsPushSum)
        {
            CopyModel(_model);
            return learner.Train(Round, _model, X);
        }

        return learner.Train(Round, X, X);
    }

    /// <summary>
    /// Adds one message per follower to <paramref name="outbox"/>. Their values refer to a snapshot of x that
    /// stays unchanged until the next <see cref="Send"/>; push-sum shares carry Share·w as weight.
    /// </summary>
    public void Send(ICollection<GossipMessage> outbox)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        var plan = RequirePlan();
        X.CopyTo(_sent);
        _sentThisRound = true;
        var destinations = plan.Destinations;
        var shares = plan.SendShares;
        for (var k = 0; k < destinations.Length; k++)
        {
            var weight = IsPushSum ? shares[k] * Weight : 0.0;
            outbox.Add(new GossipMessage(Index, destinations[k], Round, shares[k], weight, _sent));
        }
    }

    /// <summary>
    /// The carrier reports that a message this node sent this round was not delivered (an acknowledging
    /// transport gave up, or the receiver is known to be down). Push-sum takes the share back, so the mass stays
    /// with the sender instead of being lost; row schemes need nothing (the receiver rescales its row).
    /// Call before <see cref="Complete"/>.
    /// </summary>
    /// <remarks>
    /// An asynchronous driver learns of a failure only after the round that sent the message has ended. A message
    /// of an earlier round is therefore accepted too: its values (which the caller must have kept, since the send
    /// snapshot has moved on) and weight come back like a share received from oneself, so the mass is restored
    /// exactly as it left. A synchronous driver never takes this path.
    /// </remarks>
    public void Reclaim(in GossipMessage message)
    {
        RequirePlan();
        var earlier = message.Round < Round;
        if (message.From != Index || message.Round > Round || (!earlier && !_sentThisRound))
        {
            throw new ArgumentException($"node {Index} can only reclaim its own messages of round {Round} or earlier", nameof(message));
        }

        if (!IsPushSum)
        {
            return;
        }

        if (earlier)
        {
            if (message.Values.Length != X.Length)
            {
                throw new ArgumentException($"reclaimed message has {message.Values.Length} values, expected {X.Length}", nameof(message));
            }

            _inbox.Add(message);
        }
        else
        {
            _reclaimedShare += message.Share;
        }
    }

    /// <summary>
    /// Accepts a message for this round. Returns false (and counts it) when the node does not trust the sender
    /// in this round's plan; throws when the message is malformed for this node (a driver bug, not a peer's).
    /// </summary>
    public bool Receive(in GossipMessage message)
    {
        var plan = RequirePlan();
        if (message.To != Index)
        {
            throw new ArgumentException($"message for node {message.To} delivered to node {Index}", nameof(message));
        }

        if (message.Values.Length != X.Length)
        {
            throw new ArgumentException($"message from node {message.From} has {message.Values.Length} values, expected {X.Length}", nameof(message));
        }

        // A synchronous driver delivers in sender order, so the sender is usually the next trusted source: one
        // comparison instead of a binary search (whose branches the processor cannot predict).
        var sources = plan.Sources;
        if (_nextSource < sources.Length && sources[_nextSource] == message.From)
        {
            _nextSource++;
        }
        else if (sources.BinarySearch(message.From) < 0)
        {
            RejectedCount++;
            return false;
        }

        _inbox.Add(message);
        return true;
    }

    /// <summary>
    /// Folds the received messages into the new state (sender order, then round order) and ends the round.
    /// Push-sum: x' = W_ii·x + Σ share_j·x_j and w' = W_ii·w + Σ share_j·w_j over what arrived (a lost share is
    /// lost mass unless reclaimed; a node that did not send keeps x and w whole). Row schemes: x' = Σ_j W_ij·x_j over self and arrived senders, the weights rescaled to sum to
    /// one when a sender is missing (the newest message per sender counts). Under <c>clipped</c> aggregation each
    /// neighbour's vector is first clipped (or discarded) around this node's own (<see cref="SelfCenteredClipping"/>),
    /// and <see cref="LastVerdicts"/> says which.
    /// </summary>
    public void Complete()
    {
        var plan = RequirePlan();
        if (!_sentThisRound)
        {
            // The self term folds the snapshot taken at send time; a node that did not send takes it now.
            X.CopyTo(_sent);
        }

        if (!InSenderOrder(_inbox))
        {
            _inbox.Sort(static (a, b) => a.From != b.From ? a.From.CompareTo(b.From) : a.Round.CompareTo(b.Round));
        }

        _verdicts.Clear();
        if (IsPushSum)
        {
            CompletePushSum(plan);
        }
        else
        {
            CompleteRowStochastic(plan);
        }

        _inbox.Clear();
        _plan = null;
    }

    private void CompletePushSum(MixingPlan plan)
    {
        // Reclaimed shares rejoin the kept share: the self coefficient stays a sum of float values, exact in double.
        // A node that sent nothing gave nothing away and keeps all of its mass.
        var self = _sentThisRound ? plan.SelfWeight + _reclaimedShare : 1.0;
        if (!Aggregation.IsMean)
        {
            ClipPushSum();
        }
        else
        {
            foreach (ref readonly var message in CollectionsMarshal.AsSpan(_inbox))
            {
                if (message.From != Index)
                {
                    _verdicts.Add(new ContributionVerdict(message.From, ContributionOutcome.Kept));
                }
            }
        }

        var inbox = CollectionsMarshal.AsSpan(_inbox);
        EnsureCoefficients(inbox.Length + 1);
        _foldSources.Clear();
        _foldSources.Add(_sent);
        _foldCoefficients[0] = (float)self;
        var weight = self * Weight;
        for (var k = 0; k < inbox.Length; k++)
        {
            ref readonly var message = ref inbox[k];
            _foldSources.Add(message.Values);
            _foldCoefficients[k + 1] = (float)message.Share;
            weight += message.Weight;
        }

        VectorMath.WeightedSum(X, _foldCoefficients.AsSpan(0, _foldSources.Count), _foldSources);
        Weight = weight;
    }

    private void CompleteRowStochastic(MixingPlan plan)
    {
        // Keep the newest message per sender: a late one from an earlier round is superseded by a fresh one.
        var kept = 0;
        for (var k = 0; k < _inbox.Count; k++)
        {
            if (k + 1 < _inbox.Count && _inbox[k + 1].From == _inbox[k].From)
            {
                continue;
            }

            _inbox[kept++] = _inbox[k];
        }

        _inbox.RemoveRange(kept, _inbox.Count - kept);
        if (!Aggregation.IsMean)
        {
            ClipRowStochastic();
        }
        else
        {
            foreach (var message in _inbox)
            {
                _verdicts.Add(new ContributionVerdict(message.From, ContributionOutcome.Kept));
            }
        }

        var total = plan.SelfWeight;
        for (var k = 0; k < _inbox.Count; k++)
        {
            total += plan.ReceiveWeightOf(_inbox[k].From) * _inbox[k].Share;
        }

        // With every trusted sender present the row is used as is (no division: its sum is 1 up to rounding).
        var scale = _inbox.Count == plan.Sources.Length ? 1.0 : 1.0 / total;
        EnsureCoefficients(_inbox.Count + 1);
        _foldSources.Clear();
        _foldSources.Add(_sent);
        _foldCoefficients[0] = (float)(plan.SelfWeight * scale);
        for (var k = 0; k < _inbox.Count; k++)
        {
            _foldSources.Add(_inbox[k].Values);
            _foldCoefficients[k + 1] = (float)(plan.ReceiveWeightOf(_inbox[k].From) * _inbox[k].Share * scale);
        }

        VectorMath.WeightedSum(X, _foldCoefficients.AsSpan(0, _foldSources.Count), _foldSources);
    }

    /// <summary>
    /// Self-centered clipping for row schemes: a neighbour's x_j farther than τ from this node's sent x_i is
    /// replaced by x_i + clip(x_j − x_i, τ) before the usual fold (<see cref="SelfCenteredClipping"/>).
    /// </summary>
    private void ClipRowStochastic()
    {
        var distances = new double[_inbox.Count];
        for (var k = 0; k < _inbox.Count; k++)
        {
            distances[k] = Math.Sqrt(VectorMath.SquaredDistance(_sent, _inbox[k].Values.Span));
        }

        for (var k = 0; k < _inbox.Count; k++)
        {
            _lastDistances[_inbox[k].From] = distances[k];
        }

        var radius = Aggregation.AdaptiveRadius ? RadiusOverNeighbours() : Aggregation.Radius;
        LastRadius = radius;
        for (var k = 0; k < _inbox.Count; k++)
        {
            var outcome = SelfCenteredClipping.Judge(distances[k], radius, Aggregation.AdaptiveRadius);
            if (outcome == ContributionOutcome.Clipped)
            {
                var buffer = ClipBuffer(k);
                SelfCenteredClipping.Clip(_sent, _inbox[k].Values.Span, distances[k], radius, buffer);
                _inbox[k] = _inbox[k] with { Values = buffer };
            }
            else if (outcome == ContributionOutcome.Discarded)
            {
                // Clipped to radius 0: the neighbour's weight folds the node's own vector.
                _inbox[k] = _inbox[k] with { Values = _sent };
            }

            _verdicts.Add(new ContributionVerdict(_inbox[k].From, outcome));
        }
    }

    /// <summary>
    /// Self-centered clipping under push-sum, done on the de-biased models: a share (x_j, weight share·w_j) becomes
    /// w_j · (z_i + clip(z_j − z_i, τ)) with z = x / w, and its weight is kept. The weights' mass is conserved; the
    /// numerators' is not when a share is clipped, which is the point: what a clipped sender pushed beyond τ is gone.
    /// Because every folded share is then a positive multiple of a point within τ of z_i, the new z_i' is a convex
    /// combination of such points, also when a sender lies about its weight (a non-positive or non-finite weight
    /// share is discarded). Messages a node reclaimed from itself are its own mass and never clipped.
    /// </summary>
    private void ClipPushSum()
    {
        _center ??= new float[X.Length];
        VectorMath.Scale(_center, _sent, (float)(1.0 / Weight));
        var distances = new List<double>(_inbox.Count);
        var senderWeights = new double[_inbox.Count];
        for (var k = 0; k < _inbox.Count; k++)
        {
            var message = _inbox[k];
            if (message.From == Index)
            {
                continue;
            }

            var senderWeight = message.Share > 0 ? message.Weight / message.Share : double.NaN;
            senderWeights[k] = senderWeight;
            if (!(senderWeight > 0) || double.IsInfinity(senderWeight))
            {
                // A lied weight says nothing about the honest spread: the sender's old distance goes too.
                _lastDistances.Remove(message.From);
                continue;
            }

            var buffer = ClipBuffer(k);
            VectorMath.Scale(buffer, message.Values.Span, (float)(1.0 / senderWeight));
            distances.Add(Math.Sqrt(VectorMath.SquaredDistance(_center, buffer)));
            _lastDistances[message.From] = distances[^1];
        }

        var radius = Aggregation.AdaptiveRadius ? RadiusOverNeighbours() : Aggregation.Radius;
        LastRadius = radius;
        var kept = 0;
        var at = 0;
        for (var k = 0; k < _inbox.Count; k++)
        {
            var message = _inbox[k];
            if (message.From == Index)
            {
                _inbox[kept++] = message;
                continue;
            }

            var senderWeight = senderWeights[k];
            if (!(senderWeight > 0) || double.IsInfinity(senderWeight))
            {
                _verdicts.Add(new ContributionVerdict(message.From, ContributionOutcome.Discarded));
                continue;
            }

            var buffer = _clipBuffers[k];
            var distance = distances[at++];
            var outcome = SelfCenteredClipping.Judge(distance, radius, Aggregation.AdaptiveRadius);
            if (outcome != ContributionOutcome.Kept)
            {
                // Discarded: clipped to radius 0, the share then carries the node's own z at the sender's weight.
                SelfCenteredClipping.Clip(_center, buffer, distance, outcome == ContributionOutcome.Clipped ? radius : 0, buffer);
                VectorMath.Scale(buffer, buffer, (float)senderWeight);
                message = message with { Values = buffer };
            }

            _verdicts.Add(new ContributionVerdict(message.From, outcome));
            _inbox[kept++] = message;
        }

        _inbox.RemoveRange(kept, _inbox.Count - kept);
    }

    /// <summary>
    /// The lower median of the current trusted neighbours' last distances (<see cref="_lastDistances"/>), once a
    /// majority of them has been heard from; 0 before that, so every vector is left out and the node keeps its own
    /// model. A median over fewer than a majority could be an attacker's own distance (the first vector to arrive in
    /// asynchronous mode may be the attacker's); once a majority is known and fewer than half are Byzantine, τ is at
    /// most an honest neighbour's distance. A synchronous round in which every vector arrives has them all at once.
    /// </summary>
    private double RadiusOverNeighbours()
    {
        _radiusDistances.Clear();
        var sources = _plan!.Sources;
        var neighbours = 0;
        foreach (var source in sources)
        {
            neighbours += source == Index ? 0 : 1;
        }

        foreach (var (sender, distance) in _lastDistances)
        {
            if (sender != Index && sources.BinarySearch(sender) >= 0)
            {
                _radiusDistances.Add(distance);
            }
        }

        return 2 * _radiusDistances.Count > neighbours
            ? SelfCenteredClipping.AdaptiveRadius(CollectionsMarshal.AsSpan(_radiusDistances))
            : 0;
    }

    private float[] ClipBuffer(int k)
    {
        while (_clipBuffers.Count <= k)
        {
            _clipBuffers.Add(new float[X.Length]);
        }

        return _clipBuffers[k];
    }

    /// <summary>A synchronous driver delivers in sender order already; checking is cheaper than sorting.</summary>
    private static bool InSenderOrder(List<GossipMessage> list)
    {
        var messages = CollectionsMarshal.AsSpan(list);
        for (var k = 1; k < messages.Length; k++)
        {
            ref readonly var previous = ref messages[k - 1];
            ref readonly var current = ref messages[k];
            if (previous.From > current.From || (previous.From == current.From && previous.Round > current.Round))
            {
                return false;
            }
        }

        return true;
    }

    private void EnsureCoefficients(int count)
    {
        if (_foldCoefficients.Length < count)
        {
            _foldCoefficients = new float[Math.Max(count, _foldCoefficients.Length * 2)];
        }
    }

    private MixingPlan RequirePlan() =>
        _plan ?? throw new InvalidOperationException($"node {Index}: call BeginRound before training, sending or receiving");
}
