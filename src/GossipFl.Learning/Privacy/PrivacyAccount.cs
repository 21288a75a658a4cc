using System.Globalization;

namespace GossipFl.Learning.Privacy;

/// <summary>
/// One node's privacy spending under peer-level DP: each round it trains and shares is one (sampled) Gaussian
/// mechanism with sensitivity C and noise multiplier σ, composed in Rényi DP (<see cref="RdpAccountant"/>) and read
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
    public PrivacyAccount(double noiseMultiplier, double samplingRate, double delta, double? budget, IReadOnlyList<double>? orders = null)
    {
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1)");
        }

        _orders = (orders ?? RdpAccountant.DefaultOrders).ToArray();
        _perRound = RdpAccountant.SampledGaussian(samplingRate, noiseMultiplier, _orders);
        _scratch = new double[_perRound.Length];
        NoiseMultiplier = noiseMultiplier;
        SamplingRate = samplingRate;
        Delta = delta;
        Budget = budget;
    }

    public double NoiseMultiplier { get; }

    public double SamplingRate { get; }

    public double Delta { get; }

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
