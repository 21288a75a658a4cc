namespace GossipFl.Learning.Privacy;

/// <summary>
/// The DP-FedAvg step on one round's update: given the vector before and after local training, replaces the update
/// Δ = after − before by clip(Δ, C) + N(0, (σC)²·I), so what leaves the node depends on its data only through a
/// clipped, noised Δ. Buffers are allocated once per node; rounds allocate nothing.
/// </summary>
public sealed class PeerLevelPrivacy
{
    private readonly float[] _delta;

    public PeerLevelPrivacy(double clipNorm, double noiseMultiplier, int length, GaussianNoise noise)
    {
        if (!(clipNorm > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "the clip norm must be positive (or +∞)");
        }

        if (!(noiseMultiplier >= 0) || double.IsInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "the noise multiplier must be finite and >= 0");
        }

        if (noiseMultiplier > 0 && double.IsPositiveInfinity(clipNorm))
        {
            throw new ArgumentException("noise σ·C with C = ∞ is infinite: give a finite clip norm with a positive noise multiplier");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentNullException.ThrowIfNull(noise);
        ClipNorm = clipNorm;
        NoiseMultiplier = noiseMultiplier;
        Noise = noise;
        _delta = new float[length];
    }

    public double ClipNorm { get; }

    public double NoiseMultiplier { get; }

    public GaussianNoise Noise { get; }

    /// <summary>The L2 norm of the last update before clipping.</summary>
    public double LastNorm { get; private set; }

    /// <summary>Whether the last update was longer than C and scaled down.</summary>
    public bool LastClipped { get; private set; }

    /// <summary>Updates clipped so far.</summary>
    public long ClippedCount { get; private set; }

    /// <summary>
    /// Rewrites <paramref name="after"/> as before + clip(after − before, C) + noise. With σ = 0 and C = ∞ it leaves
    /// <paramref name="after"/> untouched (bit for bit).
    /// </summary>
    public void Apply(ReadOnlySpan<float> before, Span<float> after)
    {
        if (before.Length != _delta.Length || after.Length != _delta.Length)
        {
            throw new ArgumentException($"expected vectors of {_delta.Length} values, got {before.Length} and {after.Length}");
        }

        if (NoiseMultiplier == 0 && double.IsPositiveInfinity(ClipNorm))
        {
            LastNorm = double.NaN;
            LastClipped = false;
            return;
        }

        var delta = _delta.AsSpan();
        for (var k = 0; k < delta.Length; k++)
        {
            delta[k] = after[k] - before[k];
        }

        LastNorm = Clip(delta, ClipNorm);
        LastClipped = LastNorm > ClipNorm;
        if (LastClipped)
        {
            ClippedCount++;
        }

        Noise.AddTo(delta, NoiseMultiplier * ClipNorm);
        for (var k = 0; k < delta.Length; k++)
        {
            after[k] = before[k] + delta[k];
        }
    }

    /// <summary>
    /// Scales <paramref name="values"/> to L2 norm at most <paramref name="clipNorm"/> (norm taken in double);
    /// returns the norm before. A non-finite vector becomes zero: it carries no bounded information.
    /// </summary>
    public static double Clip(Span<float> values, double clipNorm)
    {
        var norm = Math.Sqrt(SquaredNorm(values));
        if (!double.IsFinite(norm))
        {
            values.Clear();
            return norm;
        }

        if (norm > clipNorm)
        {
            // Rounding each scaled value to float can lengthen the vector by a few ulps: shrink the factor until it fits.
            var factor = clipNorm / norm;
            while (true)
            {
                var squared = 0.0;
                for (var k = 0; k < values.Length; k++)
                {
                    var scaled = (float)(values[k] * factor);
                    squared += (double)scaled * scaled;
                }

                if (Math.Sqrt(squared) <= clipNorm)
                {
                    break;
                }

                factor *= 1 - 1e-7;
            }

            for (var k = 0; k < values.Length; k++)
            {
                values[k] = (float)(values[k] * factor);
            }
        }

        return norm;
    }

    private static double SquaredNorm(ReadOnlySpan<float> values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += (double)v * v;
        }

        return sum;
    }
}
