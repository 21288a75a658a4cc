using System.Buffers.Binary;
using System.Security.Cryptography;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// The pseudorandom generator PRG(seed) of Bonawitz et al. §4: AES-256 in counter mode keyed by a 32-byte seed,
/// read as little-endian 64-bit ring elements. Block i encrypts the 128-bit big-endian counter i, so the stream
/// is fixed by the seed alone and both ends of a pairwise mask expand the same words.
/// </summary>
public static class MaskExpander
{
    public const int SeedSize = 32;
    private const int BlocksPerChunk = 1024;

    /// <summary>destination[i] += sign · PRG(seed)[i] in Z_2^64 (sign is +1 or −1).</summary>
    public static void Add(ReadOnlySpan<byte> seed, int sign, Span<ulong> destination)
    {
        if (seed.Length != SeedSize)
        {
            throw new ArgumentException($"a mask seed is {SeedSize} bytes, not {seed.Length}", nameof(seed));
        }

        if (sign is not (1 or -1))
        {
            throw new ArgumentOutOfRangeException(nameof(sign), sign, "the sign is +1 or -1");
        }

        using var aes = Aes.Create();
        aes.Key = seed.ToArray();
        var counters = new byte[BlocksPerChunk * 16];
        var stream = new byte[counters.Length];
        var position = 0;
        ulong block = 0;
        while (position < destination.Length)
        {
            var words = Math.Min(destination.Length - position, BlocksPerChunk * 2);
            var blocks = (words + 1) / 2;
            for (var b = 0; b < blocks; b++)
            {
                BinaryPrimitives.WriteUInt64BigEndian(counters.AsSpan((b * 16) + 8), block++);
            }

            var written = aes.EncryptEcb(counters.AsSpan(0, blocks * 16), stream, PaddingMode.None);
            var output = stream.AsSpan(0, written);
            for (var w = 0; w < words; w++)
            {
                var value = BinaryPrimitives.ReadUInt64LittleEndian(output[(w * 8)..]);
                destination[position + w] = sign > 0 ? unchecked(destination[position + w] + value) : unchecked(destination[position + w] - value);
            }

            position += words;
        }
    }
}
