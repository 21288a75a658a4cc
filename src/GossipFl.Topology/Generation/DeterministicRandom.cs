namespace GossipFl.Topology.Generation;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): a
/// 64-bit state advanced by a fixed odd constant and scrambled by a fixed finaliser. It is written out here,
/// rather than taken from <see cref="System.Random"/>, because every peer must turn the same seed into the
/// same graph forever, on every .NET version and machine; these few lines are the whole specification.
/// Not for cryptography.
/// </summary>
public sealed class DeterministicRandom
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    public DeterministicRandom(ulong seed)
    {
        _state = seed;
    }

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        _state += Gamma;
        return Mix(_state);
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>), without modulo bias.</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        // Lemire's multiply-and-reject ("Fast random integer generation in an interval", 2019): the high
        // word of a 64x32 product is uniform once the few biased low words are rejected.
        var range = (ulong)bound;
        var threshold = (0UL - range) % range;
        while (true)
        {
            var high = Math.BigMul(NextUInt64(), range, out var low);
            if (low >= threshold)
            {
                return (int)high;
            }
        }
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="p"/> (exactly never for 0, always for 1).</summary>
    public bool NextBool(double p) => NextDouble() < p;

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates, from the end).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>The SplitMix64 finaliser (a bijection on 64 bits with good avalanche).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// The seed for one round of a time-varying topology. Both inputs pass through the finaliser so that
    /// neighbouring seeds and neighbouring rounds give unrelated graphs; every peer computes the same value.
    /// </summary>
    public static ulong SeedForRound(ulong seed, long round) =>
        Mix(Mix(seed) ^ Mix(unchecked((ulong)round + Gamma)));

    /// <summary>A seed for a numbered retry or sub-stream derived from <paramref name="seed"/>.</summary>
    public static ulong Derive(ulong seed, ulong stream) => Mix(seed ^ Mix(stream * Gamma + 1));
}
