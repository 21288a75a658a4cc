namespace GossipFl.Learning.Compression;

/// <summary>
/// The random numbers of stochastic rounding: xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift
/// generators, scrambled", 2016) seeded through SplitMix64 from (seed, node, round). Every peer, and the simulator,
/// draws the same numbers for the same message, so runs are reproducible bit for bit.
/// </summary>
public struct CodecRandom
{
    private ulong _state;

    public CodecRandom(ulong seed)
    {
        _state = Mix(seed);
        if (_state == 0)
        {
            _state = 0x9E3779B97F4A7C15UL;
        }
    }

    /// <summary>The generator for node <paramref name="node"/>'s message of round <paramref name="round"/>.</summary>
    public static CodecRandom For(ulong seed, int node, long round) =>
        new(Mix(seed ^ Mix(((ulong)(uint)node << 40) ^ (ulong)round)));

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var x = _state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _state = x;
        return x * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>A uniform float in [0, 1) with 24 random bits.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>SplitMix64's finalizer (Steele, Lea and Flood, OOPSLA 2014).</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
