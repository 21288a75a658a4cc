using GossipFl.Learning.Compression;
using GossipFl.Learning.Robustness;
using GossipFl.Topology.Mixing;

namespace GossipFl.Learning.Algorithms;

/// <summary>
/// One node of gossip with compressed messages, driven like <see cref="GossipNode"/> (BeginRound, Train, Send,
/// Receive, Complete). Every node keeps a public estimate x̂_i of its own vector that its followers can reconstruct:
/// it sends q_i = C(x_i − x̂_i) and both sides add the decoded q_i to x̂_i. Mixing uses the estimates, so what the
/// codec drops is not lost but sent later (the estimate lags x until it is):
/// <list type="bullet">
/// <item>Row-stochastic weights (D-PSGD's Metropolis-Hastings): CHOCO-SGD (Koloskova, Stich and Jaggi, ICML 2019,
/// Algorithm 2): x_i ← x_i + γ Σ_j w_ij (x̂_j − x̂_i).</item>
/// <item>Push-sum (OPS): the same on the numerator with column-stochastic shares a_ij, following the quantized
/// push-sum of Taheri et al. (ICML 2020): x_i ← x_i + γ (Σ_j a_ij x̂_j − x̂_i), while the weight w_i ← Σ_j a_ij w_j travels
/// exactly as a double. Σ_i x_i is unchanged by mixing for any codec (columns sum to one), and Σ_i w_i stays N.</item>
/// </list>
/// A node keeps s_i = Σ_j a_ij x̂_j (self included) rather than every neighbour's estimate, updated with the same
/// decoded changes: memory is a few vectors whatever the degree. s_i and x̂_i are kept in double: in float, the
/// rounding of the running sum leaves s_i − x̂_i a constant offset of an ulp at consensus, which x would integrate
/// into a drift of the average growing linearly with the rounds. The weight is kept in integer units of 2⁻⁴⁰ and split
/// with the remainder kept, so Σ_i w_i is N exactly, every round, whatever the codec, when every message arrives in
/// its round.
/// <para>
/// Late and missing messages: s_i is linear in the changes, so <see cref="Complete"/> folds whatever has arrived —
/// this round's messages and late ones of earlier rounds, each (sender, round) once — and a change that comes late is
/// not lost: once it is folded, s_i is what it would have been had it come in time. A round that mixes without a
/// sender's change mixes that sender's stale estimate, which is what CHOCO-SGD does with a dropped change. A change of
/// round r folded in round t also gives x_i the γ·(t − r)·a_ij·q_j those rounds' mixing lacked, paid in over the
/// following rounds (<see cref="CatchUpRate"/>), so Σ_i x_i (which push-sum and doubly stochastic weights keep) is
/// whole again; push-sum's Σ_i w_i = N is exact again once every
/// message has been folded (a late share brings its weight units with it). The models themselves differ from a
/// lossless run's by what the rounds with stale estimates mixed. A sender must resend a change its follower did not
/// get, with its round, or that follower's copy of x̂_i stays wrong; one it gives up on is taken back with
/// <see cref="Abandon"/>. The graph must not change (docs/algorithms.md).
/// </para>
/// </summary>
public sealed class CompressedGossipNode : IGossipModel
{
    private readonly ICodec _codec;
    private readonly ulong _seed;
    private readonly double[] _estimate;
    private readonly double[] _mixed;
    private readonly double[] _catchUp;
    private readonly float[] _difference;
    private readonly float[] _decoded;
    private readonly float[] _model;
    private readonly float[] _start;
    private readonly byte[] _payload;
    private readonly List<CompressedGossipMessage> _inbox = [];
    private readonly Dictionary<int, FoldedRounds> _folded = [];
    private readonly Dictionary<int, long> _lastUnits = [];
    private readonly Dictionary<(int From, long Round), long> _borrowed = [];
    private readonly HashSet<int> _abandoned = [];
    private MixingPlan? _plan;
    private bool _sentThisRound;
    private bool _seeded;

    /// <param name="index">This node's index.</param>
    /// <param name="algorithm">Push-sum (compressed push-sum) or D-PSGD (CHOCO-SGD).</param>
    /// <param name="initial">This node's starting x.</param>
    /// <param name="estimateStart">
    /// Where every node's public estimate starts; it must be the same at every node (zeros in CHOCO-SGD's paper; the
    /// shared initial model when every peer starts from it, which saves the first rounds resending it).
    /// </param>
    /// <param name="codec">Encodes the changes; its length is the model's.</param>
    /// <param name="consensusStep">γ in (0, 1].</param>
    /// <param name="seed">Seeds stochastic rounding (with the node index and round).</param>
    public CompressedGossipNode(int index, AlgorithmKind algorithm, ReadOnlySpan<float> initial, ReadOnlySpan<float> estimateStart, ICodec codec, double consensusStep, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (algorithm is not (AlgorithmKind.PushSum or AlgorithmKind.DPsgd))
        {
            throw new ArgumentException($"compressed gossip runs push-sum (ops) or CHOCO on D-PSGD's weights (dsgd), not {AlgorithmNames.NameOf(algorithm)}", nameof(algorithm));
        }

        if (!(consensusStep > 0 && consensusStep <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(consensusStep), consensusStep, "the consensus step γ must be in (0, 1]");
        }

        if (codec.Length != initial.Length || estimateStart.Length != initial.Length)
        {
            throw new ArgumentException($"model has {initial.Length} values, the estimate start {estimateStart.Length}, the codec {codec.Length}");
        }

        Index = index;
        Algorithm = algorithm;
        ConsensusStep = consensusStep;
        _codec = codec;
        _seed = seed;
        X = initial.ToArray();
        _start = estimateStart.ToArray();
        _estimate = new double[X.Length];
        for (var i = 0; i < X.Length; i++)
        {
            _estimate[i] = estimateStart[i];
        }

        _mixed = new double[X.Length];
        _catchUp = new double[X.Length];
        _difference = new float[X.Length];
        _decoded = new float[X.Length];
        _model = new float[X.Length];
        _payload = new byte[codec.EncodedSize];
        _weightUnits = WeightUnit;
    }

    /// <summary>Weight units per 1: weights are integers of 2⁻⁴⁰, so splitting and summing them is exact.</summary>
    public const long WeightUnit = 1L << 40;

    public int Index { get; }

    public AlgorithmKind Algorithm { get; }

    public double ConsensusStep { get; }

    public CodecSpec Codec => _codec.Spec;

    /// <summary>The parameter vector x (push-sum's numerator).</summary>
    public float[] X { get; }

    /// <summary>Always empty: compressed gossip runs the plain mean, which judges no sender (robust rules are refused with it).</summary>
    public IReadOnlyList<ContributionVerdict> LastVerdicts { get; } = [];

    /// <summary>This node's public estimate x̂_i, as its followers hold it.</summary>
    public ReadOnlySpan<double> Estimate => _estimate;

    /// <summary>Push-sum weight w (stays 1 under CHOCO): a multiple of 2⁻⁴⁰, exact as a double.</summary>
    public double Weight => (double)_weightUnits / WeightUnit;

    private long _weightUnits;

    public long Round { get; private set; }

    /// <summary>Messages refused this round because the node does not trust the sender.</summary>
    public int RejectedCount { get; private set; }

    private bool IsPushSum => Algorithm == AlgorithmKind.PushSum;

    /// <summary>The de-biased model x/w (push-sum) or x.</summary>
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

    public void BeginRound(long round, MixingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Node != Index)
        {
            throw new ArgumentException($"plan is for node {plan.Node}, not {Index}", nameof(plan));
        }

        var scheme = IsPushSum ? MixingScheme.PushSum : MixingScheme.MetropolisHastings;
        if (plan.Scheme != scheme)
        {
            throw new ArgumentException($"{Algorithm} needs {scheme} weights, the plan has {plan.Scheme}", nameof(plan));
        }

        if (_plan is not null)
        {
            throw new InvalidOperationException($"node {Index}: round {Round} was not completed; compressed gossip cannot skip a round");
        }

        Round = round;
        _plan = plan;
        RejectedCount = 0;
        _sentThisRound = false;
        if (!_seeded)
        {
            // s_i = Σ_j a_ij x̂_j with every estimate at the common start, from the plan's whole row: a first-round
            // message that is late or missing must not change it.
            var rowSum = plan.SelfWeight;
            foreach (var a in plan.RowWeights)
            {
                rowSum += a;
            }

            for (var i = 0; i < X.Length; i++)
            {
                _mixed[i] = rowSum * _start[i];
            }

            // Every source's changes are expected from this round on.
            foreach (var source in plan.Sources)
            {
                _folded[source] = new FoldedRounds(round - 1);
            }

            _seeded = true;
        }
    }

    /// <summary>Local step, as in <see cref="GossipNode.Train"/>: gradients at x/w applied to x under push-sum, at x otherwise.</summary>
    public double Train(ILocalLearner learner)
    {
        ArgumentNullException.ThrowIfNull(learner);
        RequirePlan();
        if (IsPushSum)
        {
            CopyModel(_model);
            return learner.Train(Round, _model, X);
        }

        return learner.Train(Round, X, X);
    }

    /// <summary>
    /// Encodes q = C(x − x̂), adds the decoded q to this node's own estimate and adds one message per follower (all
    /// carrying the same payload, valid until the next <see cref="Send"/>).
    /// </summary>
    public void Send(ICollection<CompressedGossipMessage> outbox)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        var plan = RequirePlan();
        if (_sentThisRound)
        {
            throw new InvalidOperationException($"node {Index} already sent in round {Round}");
        }

        for (var i = 0; i < X.Length; i++)
        {
            _difference[i] = (float)(X[i] - _estimate[i]);
            if (!float.IsFinite(_difference[i]))
            {
                throw new CompressedGossipDivergedException(
                    $"node {Index} round {Round}: the model is no longer finite; compressed gossip diverged (try a smaller consensus step than γ = {ConsensusStep})");
            }
        }

        var random = CodecRandom.For(_seed, Index, Round);
        _codec.Encode(_difference, _payload, ref random);

        // The change as every follower decodes it; q is kept for the mixing sum (self term) in Complete.
        Array.Clear(_difference);
        if (!_codec.TryDecodeAdd(_payload, _difference, 1f, out var reason))
        {
            throw new InvalidOperationException($"{_codec.Spec} codec cannot decode its own output: {reason}");
        }

        for (var i = 0; i < X.Length; i++)
        {
            _estimate[i] += _difference[i];
        }

        _sentThisRound = true;
        var destinations = plan.Destinations;
        var shares = plan.SendShares;
        _keptUnits = _weightUnits;
        _keptShare = 0;
        for (var k = 0; k < destinations.Length; k++)
        {
            if (_abandoned.Contains(destinations[k]))
            {
                // Its column entry is this node's own now (Abandon): the change and the weight stay here.
                _keptShare += IsPushSum ? shares[k] : 0;
                continue;
            }

            // Each follower gets ⌊share·w⌋ units; the sender keeps the rest, so no unit is created or lost.
            var units = IsPushSum ? (long)Math.Floor(shares[k] * _weightUnits) : 0L;
            _keptUnits -= units;
            var weight = (double)units / WeightUnit;
            outbox.Add(new CompressedGossipMessage(Index, destinations[k], Round, _codec.Spec.Kind, shares[k], weight, _payload));
        }
    }

    /// <summary>
    /// Accepts a message of this round or a late one of an earlier round, to be folded at <see cref="Complete"/>.
    /// Returns false with a reason for a message this node must not fold: from an untrusted sender (counted in
    /// <see cref="RejectedCount"/>), in another codec, with a payload that does not decode, or a (sender, round) already
    /// accepted (<see cref="HasFolded"/>). Throws for a driver bug (wrong receiver, or a round not begun yet).
    /// </summary>
    public bool TryReceive(in CompressedGossipMessage message, out string? refusal)
    {
        var plan = RequirePlan();
        if (message.To != Index || message.Round > Round)
        {
            throw new ArgumentException($"message for node {message.To} round {message.Round} delivered to node {Index} in round {Round}", nameof(message));
        }

        if (plan.Sources.BinarySearch(message.From) < 0)
        {
            RejectedCount++;
            refusal = $"node {Index} does not trust node {message.From}";
            return false;
        }

        if (message.Codec != _codec.Spec.Kind)
        {
            refusal = $"message from node {message.From} is {CodecSpec.NameOf(message.Codec)}, this node decodes {_codec.Spec}";
            return false;
        }

        if (!_codec.TryValidate(message.Payload.Span, out var reason))
        {
            refusal = $"message from node {message.From}: {reason}";
            return false;
        }

        if (HasFolded(message.From, message.Round))
        {
            refusal = $"a second message from node {message.From} of round {message.Round}";
            return false;
        }

        if (!(message.Weight >= 0 && message.Weight <= MaxWeight) || Math.Floor(message.Weight * WeightUnit) != message.Weight * WeightUnit)
        {
            refusal = $"message from node {message.From}: weight {message.Weight} is not a non-negative multiple of 2^-40 up to {MaxWeight}";
            return false;
        }

        refusal = null;
        _inbox.Add(message);
        return true;
    }

    /// <summary>
    /// Whether the change of <paramref name="from"/>'s round <paramref name="round"/> has been accepted already (folded,
    /// or waiting for this round's <see cref="Complete"/>), or is too old to fold (more than
    /// <see cref="MaxOpenRounds"/> rounds of that sender's are open, or it predates this node's first round): a
    /// second copy of it is a duplicate.
    /// </summary>
    public bool HasFolded(int from, long round)
    {
        if (!_folded.TryGetValue(from, out var folded) || folded.Contains(round))
        {
            return true;
        }

        foreach (var message in _inbox)
        {
            if (message.From == from && message.Round == round)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// This node will never deliver its changes to <paramref name="follower"/> again (it is presumed gone, and the
    /// changes it missed could not be resent): the follower's column entry a_fi becomes this node's own from now on.
    /// Under push-sum s_i += a_fi x̂_i, the weight of the shares it never got (<paramref name="undeliveredWeight"/>)
    /// comes back, and later rounds keep its share of the change and the weight, as uncompressed push-sum reclaims a
    /// share it cannot deliver; CHOCO's rows belong to the receivers, so nothing changes here but that no message is
    /// made for it. Call it between <see cref="Send"/> and <see cref="Complete"/>.
    /// </summary>
    public void Abandon(int follower, double undeliveredWeight)
    {
        var plan = RequirePlan();
        var at = plan.Destinations.BinarySearch(follower);
        if (at < 0 || !_sentThisRound)
        {
            throw new InvalidOperationException($"node {Index} round {Round}: abandon a follower ({follower}) after sending, not before or one it does not have");
        }

        if (!_abandoned.Add(follower) || !IsPushSum)
        {
            return;
        }

        // x̂_i already holds this round's change (Send), so a_fi x̂_i covers it and every change the follower missed.
        var share = plan.SendShares[at];
        for (var i = 0; i < X.Length; i++)
        {
            _mixed[i] += share * _estimate[i];
        }

        _keptUnits += (long)(undeliveredWeight * WeightUnit);
    }

    /// <summary>Followers given up with <see cref="Abandon"/>.</summary>
    public IReadOnlyCollection<int> Abandoned => _abandoned;

    /// <summary>
    /// Folds the round: s_i += a_ii q_i + Σ a_ij q_j over every message accepted since the last round (by round, then
    /// sender, each (sender, round) once, late ones included), x_i += γ (s_i − x̂_i), and under push-sum
    /// w_i ← a_ii w_i + Σ (the weight units of those messages). A sender whose message has not arrived is mixed with its
    /// stale estimate (CHOCO-SGD's dropped change); its change is folded in the round it arrives.
    /// </summary>
    public void Complete()
    {
        var plan = RequirePlan();
        if (!_sentThisRound)
        {
            throw new InvalidOperationException($"node {Index} completes round {Round} without sending; compressed gossip needs every message");
        }

        _inbox.Sort(static (a, b) => a.Round != b.Round ? a.Round.CompareTo(b.Round) : a.From.CompareTo(b.From));
        AddScaled(_mixed, _difference, plan.SelfWeight + _keptShare);
        var units = _keptUnits;
        foreach (var message in _inbox)
        {
            // Validated at receipt, so this cannot fail half-way through the sum.
            Array.Clear(_decoded);
            if (!_codec.TryDecodeAdd(message.Payload.Span, _decoded, 1f, out var reason))
            {
                throw new InvalidOperationException($"node {Index} round {Round}: message from node {message.From} changed after receipt: {reason}");
            }

            var a = CoefficientOf(plan, message);
            AddScaled(_mixed, _decoded, a);
            if (message.Round < Round)
            {
                // The rounds it missed mixed s_i without a·q, so x_i took γ·a·q fewer per round than it would have;
                // x_i is owed those (paid below), or Σ x (the average push-sum and CHOCO's doubly stochastic weights keep)
                // stays short.
                AddScaled(_catchUp, _decoded, a * (Round - message.Round));
                _inDebt = true;
            }

            // A share whose weight was stood in for in its round (below) brings only the difference now.
            var messageUnits = (long)(message.Weight * WeightUnit);
            units += _borrowed.Remove((message.From, message.Round), out var borrowed) ? messageUnits - borrowed : messageUnits;
            _lastUnits[message.From] = messageUnits;
            _folded[message.From].Add(message.Round);
        }

        if (IsPushSum)
        {
            units += BorrowForMissingShares(plan);
        }

        var step = ConsensusStep;
        for (var i = 0; i < X.Length; i++)
        {
            X[i] = (float)(X[i] + (step * (_mixed[i] - _estimate[i])));
        }

        if (_inDebt)
        {
            // Paid back a fraction a round, not at once: a lump of γ·(t − r)·a·q is a kick that later rounds send back
            // and forth, and with every message a few rounds late pure averaging at γ = 1 diverged when paid at once
            // (CompressedGossipTests, delayed messages). The debt shrinks geometrically, so Σ x is whole again in the end.
            var left = 0.0;
            for (var i = 0; i < X.Length; i++)
            {
                var pay = CatchUpRate * _catchUp[i];
                X[i] = (float)(X[i] + (step * pay));
                _catchUp[i] -= pay;
                left = Math.Max(left, Math.Abs(_catchUp[i]));
            }

            // Once a round's payment is far below what a float x can register, the rest is dropped and the debt settled.
            if (left * step * CatchUpRate < 1e-12)
            {
                Array.Clear(_catchUp);
                _inDebt = false;
            }
        }

        if (IsPushSum)
        {
            _weightUnits = units;
        }

        _inbox.Clear();
        _plan = null;
    }

    /// <summary>
    /// Push-sum: the weight units that stand in, this round, for the shares of sources whose message has not arrived.
    /// x_i mixes such a source's stale estimate (its x̂_j is still in s_i), so w_i takes that source's last weight share
    /// in the same way; otherwise w_i alone would lack the share and the model x_i / w_i would be inflated by it while the
    /// share is late, and grow without bound if a node's only source died. The share, when it comes, brings only what
    /// differs from what was lent (in <see cref="Complete"/>), so Σ_i w_i = N is exact again once every share has
    /// arrived. A lent share older than <see cref="MaxOpenRounds"/> rounds is kept for good, like the stale estimate of
    /// a source that never sends again.
    /// </summary>
    private long BorrowForMissingShares(MixingPlan plan)
    {
        long lent = 0;
        foreach (var source in plan.Sources)
        {
            if (source == Index || _folded[source].Contains(Round) || !_lastUnits.TryGetValue(source, out var last))
            {
                continue;
            }

            _borrowed[(source, Round)] = last;
            lent += last;
        }

        if (_borrowed.Count > 0)
        {
            foreach (var key in _borrowed.Keys.Where(k => k.Round <= Round - MaxOpenRounds).ToArray())
            {
                _borrowed.Remove(key);
            }
        }

        return lent;
    }

    /// <summary>
    /// How many of a sender's rounds may be open (some later round folded, this one not yet) before the oldest is
    /// given up as never coming: bounds what a node remembers per sender, far above what a sender resends.
    /// </summary>
    public const int MaxOpenRounds = 64;

    /// <summary>The largest weight a message may carry: all N of a network of 2¹² nodes, far below 2⁵³ units.</summary>
    private const double MaxWeight = 4096;

    private long _keptUnits;

    /// <summary>
    /// The most rounds late a message may be in the simulator's compressed gossip (<c>--delay</c>): with every message
    /// up to this late, pure averaging at γ = 1 reaches the average for int8, top-k and sign; at 6, three of four cases did not.
    /// </summary>
    public const int MaxTestedDelayRounds = 3;

    /// <summary>Whether part of a catch-up (<see cref="CatchUpRate"/>) is still to be paid into x.</summary>
    private bool _inDebt;

    /// <summary>
    /// The share of the outstanding catch-up paid into x each round. 1 (all at once) diverged on pure averaging with
    /// every message 0–3 rounds late; 0.05 reached the average there for int8, top-k and sign (0.1 and 0.3 did for
    /// int8 and top-k, not sign).
    /// </summary>
    public const double CatchUpRate = 0.05;

    /// <summary>Push-sum: the column entries of abandoned followers, folded into this node's own this round.</summary>
    private double _keptShare;

    /// <summary>
    /// target += a · source, in double with the weight as given: a row of D-PSGD's weights then sums to one within
    /// 1e-16, so at consensus s_i − x̂_i is far below what a float x can register.
    /// </summary>
    private static void AddScaled(double[] target, float[] source, double a)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] += a * source[i];
        }
    }

    /// <summary>a_ij: the sender's share under push-sum, this node's receive weight for row schemes.</summary>
    private double CoefficientOf(MixingPlan plan, in CompressedGossipMessage message) =>
        IsPushSum ? message.Share : plan.ReceiveWeightOf(message.From) * message.Share;

    /// <summary>
    /// The rounds of one sender that have been folded: all up to <see cref="Through"/>, and some after it. A round
    /// more than <see cref="MaxOpenRounds"/> behind the newest folded one is given up, so memory stays bounded.
    /// </summary>
    private sealed class FoldedRounds(long through)
    {
        private readonly SortedSet<long> _after = [];

        public long Through { get; private set; } = through;

        public bool Contains(long round) => round <= Through || _after.Contains(round);

        public void Add(long round)
        {
            _after.Add(round);
            while (_after.Count > 0 && (_after.Min == Through + 1 || _after.Count > MaxOpenRounds))
            {
                Through = _after.Min;
                _after.Remove(Through);
            }
        }
    }

    private MixingPlan RequirePlan() =>
        _plan ?? throw new InvalidOperationException($"node {Index}: call BeginRound before training, sending or receiving");
}
