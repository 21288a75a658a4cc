using System.Globalization;
using GossipFl.Learning.Privacy;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// Turns the DP options (<c>--dp-*</c>, or <c>dp_*</c> in the topology's <c>training:</c> section) into a validated
/// <see cref="PrivacySpec"/>, or null when none is given: peer-level (<c>--dp-clip</c>) or sample-level DP-SGD
/// (<c>--dp-sample-clip</c>), never both. Shared by <c>simulate</c> and <c>start</c>, so both
/// accept and refuse the same things with the same one-line errors.
/// </summary>
internal static class PrivacyArguments
{
    public const string ClipHelp = "peer-level DP: clip each round's model update to this L2 norm (a number, or inf); with --dp-noise or --dp-epsilon-target (docs/privacy.md)";
    public const string NoiseHelp = "peer-level DP: noise multiplier σ; each coordinate of the update gets N(0, (σ·C)²)";
    public const string TargetHelp = "peer-level DP: calibrate σ so the run's rounds reach this ε (at the node's δ) instead of giving --dp-noise";
    public const string SampleClipHelp = "sample-level DP-SGD: clip each sample's gradient to this L2 norm; with --dp-sample-noise; instead of peer-level --dp-clip (docs/privacy.md)";
    public const string SampleNoiseHelp = "sample-level DP-SGD: noise multiplier σ; each step's sum of clipped gradients gets N(0, (σ·C)²) per coordinate";
    public const string DeltaHelp = "DP (either level): δ of the reported ε (default 1 / the node's sample count, rounded down to a power of ten)";
    public const string BudgetHelp = "DP (either level): stop training before a round that would take the node's ε above this";
    public const string SeedHelp = "DP (either level), EXPERIMENTS ONLY: seed the noise (whoever knows the seed can remove the noise); default: the OS's cryptographic generator (simulate: the run's --seed)";

    public static PrivacySpec? Build(
        string? clip, double? noise, double? target, double? delta, double? budget, ulong? seed, double? sampleClip = null, double? sampleNoise = null)
    {
        var sampleGiven = sampleClip is not null || sampleNoise is not null;
        if (sampleGiven && (clip is not null || noise is not null || target is not null))
        {
            throw new UsageException(PrivacySpec.ChooseOneLevel);
        }

        if (sampleGiven)
        {
            if (sampleClip is null || sampleNoise is null)
            {
                throw new UsageException(sampleClip is null
                    ? "--dp-sample-noise needs --dp-sample-clip C: the noise is σ·C"
                    : "--dp-sample-clip needs --dp-sample-noise SIGMA (compute σ for a target ε with gossipfl privacy, docs/privacy.md)");
            }

            try
            {
                return PrivacySpec.ForSampleLevel(new SampleDpSettings(sampleClip.Value, sampleNoise.Value), delta, budget, seed).Validate();
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }
        }

        if (clip is null && noise is null && target is null)
        {
            if (delta is not null || budget is not null || seed is not null)
            {
                var given = delta is not null ? "--dp-delta" : budget is not null ? "--dp-epsilon-budget" : "--dp-noise-seed";
                throw new UsageException($"{given} applies to peer-level DP or sample-level DP: give --dp-clip C with --dp-noise SIGMA or --dp-epsilon-target EPSILON (peer-level), or --dp-sample-clip C with --dp-sample-noise SIGMA (sample-level)");
            }

            return null;
        }

        if (clip is null)
        {
            throw new UsageException($"{(noise is not null ? "--dp-noise" : "--dp-epsilon-target")} needs --dp-clip C: the noise is σ·C");
        }

        try
        {
            return new PrivacySpec(PrivacySpec.ParseClip(clip), noise, delta, budget, target, seed).Validate();
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            throw new UsageException(ex.Message);
        }
    }

    /// <summary>The summary line a run prints: the mechanism, σ as used and the δ rule.</summary>
    public static string Describe(PrivacySpec spec, double sigma) => spec.SampleLevel is { } sample
        ? string.Create(CultureInfo.InvariantCulture, $"sample-level DP-SGD: clip {sample.ClipNorm:R} per sample, σ {sigma:0.####}")
        : string.Create(CultureInfo.InvariantCulture,
        $"peer-level DP: clip {(double.IsPositiveInfinity(spec.ClipNorm) ? "inf" : spec.ClipNorm.ToString("R", CultureInfo.InvariantCulture))}, σ {sigma:0.####}{(spec.EpsilonTarget is { } t ? $" (calibrated for ε {t:0.##})" : "")}");
}
