using System.Globalization;

namespace GossipFl.Learning.Privacy;

/// <summary>
/// Peer-level differential privacy on what a node shares (DP-FedAvg, McMahan et al. 2018, "Learning Differentially
/// Private Recurrent Language Models"): each round the node's model update is clipped to L2 norm <see cref="ClipNorm"/>
/// and Gaussian noise of standard deviation <see cref="NoiseMultiplier"/> · <see cref="ClipNorm"/> is added to each
/// coordinate before the update joins what the node sends. The noise multiplier is either given (σ) or calibrated
/// from <see cref="EpsilonTarget"/> over the run's rounds. <see cref="Delta"/>, <see cref="EpsilonBudget"/> and
/// <see cref="NoiseSeed"/> are the node's own: they do not change what peers exchange and stay out of the signature.
/// </summary>
/// <param name="ClipNorm">C, the largest L2 norm a round's update keeps; +∞ clips nothing.</param>
/// <param name="NoiseMultiplier">σ; the noise per coordinate is N(0, (σC)²). Null when <see cref="EpsilonTarget"/> calibrates it.</param>
/// <param name="Delta">δ of the reported (ε, δ); null: 1 / the node's sample count rounded down to a power of ten.</param>
/// <param name="EpsilonBudget">The node stops training before a round that would take its ε above this; null: no limit.</param>
/// <param name="EpsilonTarget">Calibrate σ so that ε after the run's rounds is this (at <see cref="Delta"/>).</param>
/// <param name="NoiseSeed">Seeds the noise for reproducible experiments; null draws it from the operating system's CSPRNG.</param>
/// <param name="SampleLevel">
/// Sample-level DP-SGD in the engine instead of peer-level DP (see <see cref="ForSampleLevel"/>); then the peer-level
/// mechanism is the identity (C = ∞, σ = 0) and δ, the budget and the seed apply to the sample-level account.
/// </param>
/// <remarks>
/// A spec is one level or the other, never both: peer-level DP hides whether a whole peer took part, sample-level
/// DP-SGD hides one training sample, and composing both would report neither guarantee cleanly.
/// </remarks>
public sealed record PrivacySpec(
    double ClipNorm,
    double? NoiseMultiplier,
    double? Delta = null,
    double? EpsilonBudget = null,
    double? EpsilonTarget = null,
    ulong? NoiseSeed = null,
    SampleDpSettings? SampleLevel = null)
{
    /// <summary>Sample-level DP-SGD with <paramref name="settings"/>; the update a node shares is not clipped or noised again.</summary>
    public static PrivacySpec ForSampleLevel(SampleDpSettings settings, double? delta = null, double? budget = null, ulong? noiseSeed = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new PrivacySpec(double.PositiveInfinity, 0, delta, budget, null, noiseSeed, settings);
    }

    /// <summary>Whether the guarantee is per training sample (DP-SGD in the engine) rather than per peer.</summary>
    public bool IsSampleLevel => SampleLevel is not null;

    /// <summary>"sample-level" or "peer-level", as logs and summaries name the mechanism.</summary>
    public string LevelName => IsSampleLevel ? "sample-level" : "peer-level";

    /// <summary>
    /// Throws <see cref="ArgumentException"/> with one line naming the option (CLI spelling) that is out of range.
    /// </summary>
    public PrivacySpec Validate()
    {
        if (SampleLevel is { } sample)
        {
            ValidateSampleLevel(sample);
        }

        if (!(ClipNorm > 0) || double.IsNaN(ClipNorm))
        {
            throw new ArgumentException(Invariant($"--dp-clip must be a positive number or inf, got {ClipNorm}"));
        }

        if (NoiseMultiplier is { } sigma && (!(sigma >= 0) || double.IsInfinity(sigma)))
        {
            throw new ArgumentException(Invariant($"--dp-noise must be a finite number >= 0, got {sigma}"));
        }

        if (NoiseMultiplier is null && EpsilonTarget is null)
        {
            throw new ArgumentException("peer-level DP needs --dp-noise SIGMA or --dp-epsilon-target EPSILON");
        }

        if (NoiseMultiplier is not null && EpsilonTarget is not null)
        {
            throw new ArgumentException("give --dp-noise or --dp-epsilon-target, not both: the target calibrates the noise");
        }

        if (Delta is { } delta && !(delta > 0 && delta < 1))
        {
            throw new ArgumentException(Invariant($"--dp-delta must be in (0, 1), got {delta}"));
        }

        if (EpsilonBudget is { } budget && (!(budget > 0) || double.IsNaN(budget)))
        {
            throw new ArgumentException(Invariant($"--dp-epsilon-budget must be > 0, got {budget}"));
        }

        if (EpsilonTarget is { } target && (!(target > 0) || double.IsInfinity(target)))
        {
            throw new ArgumentException(Invariant($"--dp-epsilon-target must be a finite number > 0, got {target}"));
        }

        if (NoiseMultiplier > 0 && double.IsPositiveInfinity(ClipNorm))
        {
            throw new ArgumentException("--dp-noise above 0 needs a finite --dp-clip: the noise is σ·C (--dp-clip inf goes with --dp-noise 0 only)");
        }

        if (EpsilonTarget is not null && double.IsPositiveInfinity(ClipNorm))
        {
            throw new ArgumentException("--dp-epsilon-target needs a finite --dp-clip: noise is σ·C");
        }

        return this;
    }

    private void ValidateSampleLevel(SampleDpSettings sample)
    {
        if (!double.IsPositiveInfinity(ClipNorm) || NoiseMultiplier != 0 || EpsilonTarget is not null)
        {
            throw new ArgumentException(ChooseOneLevel);
        }

        if (!(sample.ClipNorm > 0) || double.IsInfinity(sample.ClipNorm))
        {
            throw new ArgumentException(Invariant($"--dp-sample-clip must be a positive finite number, got {sample.ClipNorm}"));
        }

        if (!(sample.NoiseMultiplier >= 0) || double.IsInfinity(sample.NoiseMultiplier))
        {
            throw new ArgumentException(Invariant($"--dp-sample-noise must be a finite number >= 0, got {sample.NoiseMultiplier}"));
        }
    }

    /// <summary>The one line that refuses a spec asking for both levels.</summary>
    public const string ChooseOneLevel =
        "peer-level and sample-level DP protect different things; choose one: --dp-clip with --dp-noise or --dp-epsilon-target (a whole peer), or --dp-sample-clip with --dp-sample-noise (one training sample)";

    /// <summary>Whether the mechanism changes nothing (σ = 0 and C = ∞): shares are bit-identical to a run without DP.</summary>
    public bool IsIdentity => SampleLevel is null && NoiseMultiplier == 0 && double.IsPositiveInfinity(ClipNorm);

    /// <summary>
    /// What the task signature hashes: the clip norm and the noise multiplier (or the ε target that calibrates it),
    /// which every peer of a task must share. δ, the budget and the seed are each node's own.
    /// </summary>
    public string SignatureText => SampleLevel is { } sample
        ? Invariant($"sample-dp;clip={sample.ClipNorm:R};noise={sample.NoiseMultiplier:R}")
        : NoiseMultiplier is { } sigma
        ? Invariant($"peer-dp;clip={FormatNumber(ClipNorm)};noise={sigma:R}")
        : Invariant($"peer-dp;clip={FormatNumber(ClipNorm)};epsilon_target={EpsilonTarget!.Value:R}");

    /// <summary>The δ a node with <paramref name="sampleCount"/> samples reports at: <see cref="Delta"/>, or <see cref="DefaultDelta"/>.</summary>
    public double DeltaFor(int sampleCount) => Delta ?? DefaultDelta(sampleCount);

    /// <summary>1 / <paramref name="sampleCount"/> rounded down to a power of ten (1e-4 for 3750 samples, 1e-3 for 1000).</summary>
    public static double DefaultDelta(int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleCount, 1);
        var power = 1.0;
        var exponent = 0;
        while (power < sampleCount)
        {
            power *= 10;
            exponent++;
        }

        // 10^-k parsed from text is the double nearest the decimal, which 1 / 10^k is too for k <= 22.
        return double.Parse(Invariant($"1e-{Math.Max(exponent, 1)}"), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The seed of node <paramref name="nodeIndex"/>'s noise from an experiment's <paramref name="seed"/>: nodes draw
    /// independent noise, and a daemon given <c>--dp-noise-seed S</c> draws what the simulator's node draws with the same S.
    /// </summary>
    public static ulong NoiseSeedFor(ulong seed, int nodeIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeIndex);
        var state = seed ^ 0x5EED_D1FF_0000_0000UL;
        var mixed = Data.Xoshiro256StarStar.SplitMix64(ref state);
        state = mixed + (ulong)nodeIndex;
        return Data.Xoshiro256StarStar.SplitMix64(ref state);
    }

    /// <summary>Parses a clip norm: a positive number or <c>inf</c>.</summary>
    public static double ParseClip(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Equals("inf", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            return double.PositiveInfinity;
        }

        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var clip) || !(clip > 0) || double.IsInfinity(clip))
        {
            throw new FormatException($"--dp-clip must be a positive number or inf, got '{text}'");
        }

        return clip;
    }

    public override string ToString()
    {
        if (SampleLevel is { } sample)
        {
            return Invariant($"sample-level DP-SGD: clip {sample.ClipNorm:R} per sample, σ {sample.NoiseMultiplier:0.####}");
        }

        var noise = NoiseMultiplier is { } sigma ? Invariant($"σ {sigma:0.####}") : Invariant($"σ for ε {EpsilonTarget!.Value:0.##}");
        return Invariant($"peer-level DP: clip {FormatNumber(ClipNorm)}, {noise}");
    }

    private static string FormatNumber(double value) => double.IsPositiveInfinity(value) ? "inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
