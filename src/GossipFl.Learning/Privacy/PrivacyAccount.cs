using System.Globalization;

namespace GossipFl.Learning.Privacy;

/// <summary>
/// One node's privacy spending: each round it trains and shares is <see cref="CompositionsPerRound"/> (sampled)
/// Gaussian mechanisms with noise multiplier σ: one under peer-level DP (the round's update, sensitivity C), one per
/// optimizer step under sample-level DP-SGD (each step's noisy sum of clipped per-sample gradients), composed in Rényi DP (<see cref="RdpAccountant"/>) and read
/// as ε at the node's δ. <see cref="CanSpendAnother"/> is the budget check made before a round, so a node stops
/// before it would exceed its budget, never after.
/// </summary>
public sealed class PrivacyAccount
{
    private readonly double[] _perRound;
    private readonly double[] _scratch;
    private readonly IReadOnlyList<double> _orders;
    private long _cachedRounds = -1;
    private double _cachedEpsilon;

    /// <param name="noiseMultiplier">σ of each round's mechanism.</param>
    /// <param name="samplingRate">q: 1 counts every round the node shares in full (no amplification).</param>
    /// <param name="delta">δ of the reported ε.</param>
    /// <param name="budget">The ε a node must not exceed; null for none.</param>
    /// <param name="compositionsPerRound">Mechanisms one round composes: 1 for peer-level DP, the optimizer steps per round for DP-SGD.</param>
    public PrivacyAccount(double noiseMultiplier, double samplingRate, double delta, double? budget, IReadOnlyList<double>? orders = null, int compositionsPerRound = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(compositionsPerRound, 1);
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1)");
        }

        _orders = (orders ?? RdpAccountant.DefaultOrders).ToArray();
        // Rényi DP composes additively at each order (Mironov 2017, Proposition 1), so a round's RDP is the step's times the steps.
        _perRound = RdpAccountant.SampledGaussian(samplingRate, noiseMultiplier, _orders);
        for (var k = 0; k < _perRound.Length; k++)
        {
            _perRound[k] *= compositionsPerRound;
        }

        CompositionsPerRound = compositionsPerRound;
        _scratch = new double[_perRound.Length];
        NoiseMultiplier = noiseMultiplier;
        SamplingRate = samplingRate;
        Delta = delta;
        Budget = budget;
    }

    public double NoiseMultiplier { get; }

    public double SamplingRate { get; }

    public double Delta { get; }

    /// <summary>Sampled Gaussian mechanisms per round: 1 (peer-level) or the optimizer steps of a round (sample-level).</summary>
    public int CompositionsPerRound { get; }

    public double? Budget { get; }

    /// <summary>Private rounds spent (rounds the node trained on its data and shared the result).</summary>
    public long Rounds { get; private set; }

    /// <summary>ε as of the rounds spent (0 before the first).</summary>
    public double Epsilon => EpsilonAfter(Rounds);

    /// <summary>Whether the budget allows one more round.</summary>
    public bool CanSpendAnother => Budget is not { } budget || EpsilonAfter(Rounds + 1) <= budget;

    /// <summary>ε after <paramref name="rounds"/> rounds at <see cref="Delta"/>.</summary>
    public double EpsilonAfter(long rounds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rounds);
        if (rounds == 0)
        {
            return 0;
        }

        if (rounds == _cachedRounds)
        {
            return _cachedEpsilon;
        }

        for (var k = 0; k < _perRound.Length; k++)
        {
            _scratch[k] = _perRound[k] * rounds;
        }

        var epsilon = RdpAccountant.ToEpsilon(_orders, _scratch, Delta).Epsilon;
        (_cachedRounds, _cachedEpsilon) = (rounds, epsilon);
        return epsilon;
    }

    /// <summary>Records one private round.</summary>
    public void Spend() => Rounds++;

    /// <summary>Continues from a checkpoint's count.</summary>
    public void Restore(long rounds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rounds);
        Rounds = rounds;
    }

    /// <summary>The line a node logs when the budget stops it before round <paramref name="round"/>.</summary>
    public string StopLine(long round) => string.Create(CultureInfo.InvariantCulture,
        $"privacy budget: stopping before round {round} after {Rounds} private rounds: another round would reach ε = {EpsilonAfter(Rounds + 1):0.###} > budget {Budget:0.###} at δ = {Delta:G3}; the node no longer trains on its data (it keeps relaying what it holds)");
}
