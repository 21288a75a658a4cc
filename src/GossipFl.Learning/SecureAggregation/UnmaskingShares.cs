using System.Buffers.Binary;
using System.Numerics;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>What an unmasking share opens: a survivor's self-mask seed b, or a dropped client's mask key s^SK.</summary>
public enum UnmaskingShareKind : byte
{
    SelfMaskSeed = 1,
    MaskKey = 2,
}

/// <summary>
/// Round 3 (Unmasking) of Bonawitz et al. §4: a survivor's shares of b_v for every v in U3 and of s_v^SK for every v in
/// U2 \ U3, never both for one client. The share's x is the sender's. Layout: count u16, then per entry: owner id u16 ‖
/// kind u8 ‖ y[66] (big-endian field element).
/// </summary>
public sealed record UnmaskingShares(IReadOnlyList<(int Owner, UnmaskingShareKind Kind, BigInteger Y)> Entries)
{
    private const int EntrySize = 3 + ShamirSecretSharing.ElementSize;

    public int Size => 2 + (Entries.Count * EntrySize);

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)Entries.Count);
        var offset = 2;
        foreach (var (owner, kind, y) in Entries)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(offset), (ushort)owner);
            bytes[offset + 2] = (byte)kind;
            ShamirSecretSharing.WriteElement(y, bytes.AsSpan(offset + 3));
            offset += EntrySize;
        }

        return bytes;
    }

    /// <summary>Refuses, with the reason, a wrong length, unknown kinds, values outside the field, or a repeated owner.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out UnmaskingShares shares, out string reason)
    {
        shares = null!;
        if (source.Length < 2)
        {
            reason = "unmasking shares truncated";
            return false;
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(source);
        if (count > SecureAggregationLimits.MaxClients || source.Length != 2 + (count * EntrySize))
        {
            reason = $"{count} unmasking shares in {source.Length} bytes";
            return false;
        }

        var entries = new List<(int, UnmaskingShareKind, BigInteger)>(count);
        var seen = new HashSet<int>();
        for (var i = 0; i < count; i++)
        {
            var entry = source.Slice(2 + (i * EntrySize), EntrySize);
            int owner = BinaryPrimitives.ReadUInt16BigEndian(entry);
            var kind = (UnmaskingShareKind)entry[2];
            if (owner >= SecureAggregationLimits.MaxClients || !seen.Add(owner))
            {
                reason = $"unmasking share for client {owner} is out of range or repeated";
                return false;
            }

            if (kind is not (UnmaskingShareKind.SelfMaskSeed or UnmaskingShareKind.MaskKey))
            {
                reason = $"unmasking share kind {entry[2]} is unknown";
                return false;
            }

            if (!ShamirSecretSharing.TryReadElement(entry[3..], out var y))
            {
                reason = $"unmasking share for client {owner} is not a field element";
                return false;
            }

            entries.Add((owner, kind, y));
        }

        shares = new UnmaskingShares(entries);
        reason = string.Empty;
        return true;
    }
}
