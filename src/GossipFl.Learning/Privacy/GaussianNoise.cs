using System.Runtime.InteropServices;
using System.Security.Cryptography;
using GossipFl.Learning.Data;

namespace GossipFl.Learning.Privacy;

/// <summary>
/// Standard normal draws for DP noise. By default the uniform bits come straight from the operating system's
/// cryptographic generator (<see cref="RandomNumberGenerator"/>), so nothing a peer or the shared run seed knows
/// predicts them. Given a seed (experiments only: anyone who knows it can subtract the noise) they come from
/// xoshiro256** instead, reproducibly on every machine. Both turn uniforms into normals with the polar Box-Muller
/// transform and the project's portable logarithm. Not thread-safe: one instance per node.
/// </summary>
public sealed class GaussianNoise
{
    private const double TwoToMinus53 = 1.0 / (1UL << 53);
    private readonly Xoshiro256StarStar? _seeded;
    private readonly ulong[] _entropy;
    private int _entropyAt;
    private double _spare;
    private bool _hasSpare;

    private GaussianNoise(Xoshiro256StarStar? seeded)
    {
        _seeded = seeded;
        _entropy = seeded is null ? new ulong[1024] : [];
        _entropyAt = _entropy.Length;
    }

    /// <summary>Noise from the operating system's CSPRNG: what a real deployment uses.</summary>
    public static GaussianNoise FromCryptographicSource() => new(null);

    /// <summary>Reproducible noise for experiments and tests; never for real privacy.</summary>
    public static GaussianNoise FromSeed(ulong seed) => new(new Xoshiro256StarStar(seed));

    /// <summary>The noise <paramref name="spec"/> asks for: seeded for node <paramref name="nodeIndex"/> when it names a seed, else cryptographic.</summary>
    public static GaussianNoise For(PrivacySpec spec, int nodeIndex)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.NoiseSeed is { } seed ? FromSeed(PrivacySpec.NoiseSeedFor(seed, nodeIndex)) : FromCryptographicSource();
    }

    /// <summary>Whether the draws are reproducible from a seed (and so protect nothing against whoever holds it).</summary>
    public bool IsSeeded => _seeded is not null;

    /// <summary>One N(0, 1) draw.</summary>
    public double Next()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        double u, v, s;
        do
        {
            u = (2.0 * NextUniform()) - 1.0;
            v = (2.0 * NextUniform()) - 1.0;
            s = (u * u) + (v * v);
        }
        while (s >= 1.0 || s == 0.0);

        var factor = Math.Sqrt(-2.0 * PortableMath.Log(s) / s);
        _spare = v * factor;
        _hasSpare = true;
        return u * factor;
    }

    /// <summary>Adds N(0, <paramref name="standardDeviation"/>²) to each value, the sum rounded to float once.</summary>
    public void AddTo(Span<float> values, double standardDeviation)
    {
        if (!(standardDeviation >= 0) || double.IsInfinity(standardDeviation))
        {
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation, "a noise standard deviation must be finite and >= 0");
        }

        if (standardDeviation == 0)
        {
            return;
        }

        for (var k = 0; k < values.Length; k++)
        {
            values[k] = (float)(values[k] + (standardDeviation * Next()));
        }
    }

    private double NextUniform() => (NextBits() >> 11) * TwoToMinus53;

    private ulong NextBits()
    {
        if (_seeded is not null)
        {
            return _seeded.NextUInt64();
        }

        if (_entropyAt == _entropy.Length)
        {
            RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(_entropy.AsSpan()));
            _entropyAt = 0;
        }

        return _entropy[_entropyAt++];
    }
}
