namespace GossipFl.Learning.Data;

/// <summary>
/// The xoshiro256** generator (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2018),
/// seeded through SplitMix64 as its authors recommend. Every draw is defined bit for bit by integer arithmetic
/// and IEEE basic operations (see <see cref="PortableMath"/>), so two peers with the same seed produce the same
/// data on any machine and any .NET version; <see cref="Random"/> promises neither.
/// Not thread-safe and not cryptographic.
/// </summary>
public sealed class Xoshiro256StarStar
{
    private const double TwoToMinus53 = 1.0 / 9007199254740992.0;

    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double _spareGaussian;
    private bool _hasSpareGaussian;

    public Xoshiro256StarStar(ulong seed)
    {
        var splitMix = seed;
        _s0 = SplitMix64(ref splitMix);
        _s1 = SplitMix64(ref splitMix);
        _s2 = SplitMix64(ref splitMix);
        _s3 = SplitMix64(ref splitMix);
    }

    /// <summary>
    /// One step of SplitMix64 (Steele, Lea and Flood, 2014): advances <paramref name="state"/> and returns the
    /// next output. Used to expand one seed into the 256-bit state, and to derive independent sub-seeds.
    /// </summary>
    public static ulong SplitMix64(ref ulong state)
    {
        state = unchecked(state + 0x9E3779B97F4A7C15UL);
        var z = state;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        var result = unchecked(ulong.RotateLeft(_s1 * 5, 7) * 9);
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * TwoToMinus53;

    /// <summary>Uniform on the open interval (0, 1): safe to take the logarithm of.</summary>
    public double NextDoubleOpen() => ((NextUInt64() >> 11) + 0.5) * TwoToMinus53;

    /// <summary>Uniform integer in [0, <paramref name="bound"/>), without modulo bias (Lemire's method, 2019).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        var b = (ulong)bound;
        var high = Math.BigMul(NextUInt64(), b, out var low);
        if (low < b)
        {
            // Reject the few low words that would over-represent some results.
            var threshold = unchecked(0UL - b) % b;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), b, out low);
            }
        }

        return (int)high;
    }

    /// <summary>
    /// Standard normal, by the polar form of the Box-Muller transform (Marsaglia and Bray, 1964): it needs only
    /// a logarithm and a square root, no sine or cosine, which keeps it reproducible across platforms. Draws come
    /// in pairs; the second is kept for the next call.
    /// </summary>
    public double NextGaussian()
    {
        if (_hasSpareGaussian)
        {
            _hasSpareGaussian = false;
            return _spareGaussian;
        }

        double u, v, s;
        do
        {
            u = (2.0 * NextDouble()) - 1.0;
            v = (2.0 * NextDouble()) - 1.0;
            s = (u * u) + (v * v);
        }
        while (s >= 1.0 || s == 0.0);

        var factor = Math.Sqrt(-2.0 * PortableMath.Log(s) / s);
        _spareGaussian = v * factor;
        _hasSpareGaussian = true;
        return u * factor;
    }

    /// <summary>Gamma(<paramref name="shape"/>, 1); see <see cref="NextLogGamma"/>.</summary>
    public double NextGamma(double shape) => PortableMath.Exp(NextLogGamma(shape));

    /// <summary>
    /// The logarithm of a Gamma(<paramref name="shape"/>, 1) draw, by Marsaglia and Tsang's method (2000). For
    /// shape &lt; 1 it uses their boost: Gamma(a) = Gamma(a + 1) * U^(1/a). Returned as a logarithm because for
    /// small shapes U^(1/a) underflows to zero in double precision, which would make every Dirichlet weight zero.
    /// </summary>
    public double NextLogGamma(double shape)
    {
        if (!(shape > 0.0) || double.IsInfinity(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "The Gamma shape must be positive and finite.");
        }

        if (shape < 1.0)
        {
            var boosted = NextLogGamma(shape + 1.0);
            return boosted + (PortableMath.Log(NextDoubleOpen()) / shape);
        }

        var d = shape - (1.0 / 3.0);
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = NextGaussian();
                v = 1.0 + (c * x);
            }
            while (v <= 0.0);

            v = v * v * v;
            var u = NextDoubleOpen();
            var x2 = x * x;

            // The cheap squeeze accepts most draws without a logarithm.
            if (u < 1.0 - (0.0331 * x2 * x2))
            {
                return PortableMath.Log(d * v);
            }

            var logV = PortableMath.Log(v);
            if (PortableMath.Log(u) < (0.5 * x2) + (d * (1.0 - v + logV)))
            {
                return PortableMath.Log(d) + logV;
            }
        }
    }

    /// <summary>Fisher-Yates shuffle in place, drawing positions from the end down.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
