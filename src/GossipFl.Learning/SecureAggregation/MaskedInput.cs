using System.Buffers.Binary;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// Round 2 (MaskedInputCollection) of Bonawitz et al. §4: y_u = x_u + PRG(b_u) + Σ_v ±PRG(s_{u,v}) in Z_2^64.
/// Layout: count u32, then count u64 values, little-endian (like model values, copied on every machine we run on).
/// </summary>
public sealed record MaskedInput(ulong[] Values)
{
    public int Size => 4 + (Values.Length * sizeof(ulong));

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Values.Length);
        for (var i = 0; i < Values.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(4 + (i * 8)), Values[i]);
        }

        return bytes;
    }

    /// <summary>Reads exactly <paramref name="expectedCount"/> values; anything else is refused with the reason.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, int expectedCount, out MaskedInput input, out string reason)
    {
        input = null!;
        if (source.Length < 4)
        {
            reason = "masked input truncated";
            return false;
        }

        var count = BinaryPrimitives.ReadUInt32BigEndian(source);
        if (count != expectedCount || source.Length != 4 + ((long)count * sizeof(ulong)))
        {
            reason = $"masked input of {count} values in {source.Length} bytes; this round has {expectedCount}";
            return false;
        }

        var values = new ulong[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadUInt64LittleEndian(source[(4 + (i * 8))..]);
        }

        input = new MaskedInput(values);
        reason = string.Empty;
        return true;
    }
}
