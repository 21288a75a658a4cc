using GossipFl.Learning.Data;

namespace GossipFl.Learning.Robustness;

/// <summary>
/// The vectors a Byzantine peer sends instead of its honest one (<see cref="AttackKind"/>). Label flipping changes
/// the attacker's data, not its vector, and is applied where the learner's data is built.
/// </summary>
public static class Attacks
{
    /// <summary>σ of the Gaussian attack: large against trained weights, which are well under 1 in size.</summary>
    public const double GaussianStd = 10.0;

    private const ulong NoiseSalt = 0x4E6F697365417474UL;

    /// <summary>destination = −honest (the sign-flipping attack on models).</summary>
    public static void SignFlip(ReadOnlySpan<float> honest, Span<float> destination)
    {
        for (var c = 0; c < destination.Length; c++)
        {
            destination[c] = -honest[c];
        }
    }

    /// <summary>Fills <paramref name="destination"/> with N(0, σ²) values from a stream seeded by seed, round and node.</summary>
    public static void Gaussian(Span<float> destination, ulong seed, long round, int node)
    {
        var random = new Xoshiro256StarStar(seed ^ NoiseSalt ^ unchecked(((ulong)round * 0x9E3779B97F4A7C15UL) + (ulong)node));
        for (var c = 0; c < destination.Length; c++)
        {
            destination[c] = (float)(GaussianStd * random.NextGaussian());
        }
    }

    /// <summary>
    /// ALIE's z for n peers of which f attack (Baruch et al. 2019, Section 4): s = ⌊n/2 + 1⌋ − f honest peers must
    /// be "won over", and z = Φ⁻¹((n − s) / n). For n = 16, f = 2: s = 7 and z ≈ 0.157. At least 0 (no sign flip).
    /// </summary>
    public static double AlieZ(int n, int f)
    {
        var s = (n / 2) + 1 - f;
        var p = (double)(n - s) / n;
        return Math.Max(0.0, InverseNormal(p));
    }

    /// <summary>destination[c] = mean_c − z·std_c over <paramref name="honest"/> (population std, in double).</summary>
    public static void Alie(IReadOnlyList<ReadOnlyMemory<float>> honest, double z, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(honest);
        if (honest.Count == 0)
        {
            throw new ArgumentException("ALIE needs at least one honest vector", nameof(honest));
        }

        for (var c = 0; c < destination.Length; c++)
        {
            var sum = 0.0;
            var squares = 0.0;
            foreach (var vector in honest)
            {
                double v = vector.Span[c];
                sum += v;
                squares += v * v;
            }

            var mean = sum / honest.Count;
            var variance = Math.Max(0.0, (squares / honest.Count) - (mean * mean));
            destination[c] = (float)(mean - (z * Math.Sqrt(variance)));
        }
    }

    /// <summary>Φ⁻¹(p) by bisection on Φ(x) = (1 + erf(x/√2)) / 2; accurate to 1e-9, which is plenty for a z.</summary>
    public static double InverseNormal(double p)
    {
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "a probability in (0, 1)");
        }

        double low = -10, high = 10;
        for (var i = 0; i < 80; i++)
        {
            var mid = (low + high) / 2;
            if (NormalCdf(mid) < p)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return (low + high) / 2;
    }

    /// <summary>Φ(x) through erf by its Maclaurin series (|x| ≤ 3) or the continued fraction of erfc (beyond).</summary>
    public static double NormalCdf(double x)
    {
        var t = Math.Abs(x) / Math.Sqrt(2);
        double erf;
        if (t <= 3)
        {
            // erf(t) = 2/√π Σ (−1)^k t^(2k+1) / (k! (2k+1))
            var term = t;
            var sum = t;
            for (var k = 1; k < 200; k++)
            {
                term *= -t * t / k;
                var add = term / ((2 * k) + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17)
                {
                    break;
                }
            }

            erf = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc(t) = e^(−t²)/√π · 1/(t + (1/2)/(t + 1/(t + (3/2)/(t + ...)))), evaluated from the tail.
            var fraction = t;
            for (var k = 60; k >= 1; k--)
            {
                fraction = t + (k / 2.0 / fraction);
            }

            erf = 1 - (Math.Exp(-t * t) / Math.Sqrt(Math.PI) / fraction);
        }

        return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
    }
}
