using System.Buffers.Binary;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// Round 1 (ShareKeys) of Bonawitz et al. §4: encrypted share pairs, each readable only by its recipient. From a
/// client to the server, <c>Peer</c> is the recipient; from the server to a client (the relay), the sender. Layout:
/// count u16, then per entry: peer id u16 ‖ ciphertext[<see cref="CiphertextSize"/>] (AES-256-GCM of from u16 ‖ to u16
/// ‖ share of s^SK [66] ‖ share of b [66], then the 16-byte tag).
/// </summary>
public sealed record ShareCiphertexts(IReadOnlyList<(int Peer, byte[] Ciphertext)> Entries)
{
    public const int PlaintextSize = 4 + (2 * ShamirSecretSharing.ElementSize);
    public const int CiphertextSize = PlaintextSize + 16;
    private const int EntrySize = 2 + CiphertextSize;

    public int Size => 2 + (Entries.Count * EntrySize);

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)Entries.Count);
        var offset = 2;
        foreach (var (peer, ciphertext) in Entries)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(offset), (ushort)peer);
            ciphertext.CopyTo(bytes, offset + 2);
            offset += EntrySize;
        }

        return bytes;
    }

    /// <summary>Refuses, with the reason, a wrong length, too many entries, or peer ids out of range or repeated.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ShareCiphertexts shares, out string reason)
    {
        shares = null!;
        if (source.Length < 2)
        {
            reason = "share ciphertexts truncated";
            return false;
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(source);
        if (count > SecureAggregationLimits.MaxClients || source.Length != 2 + (count * EntrySize))
        {
            reason = $"{count} share ciphertexts in {source.Length} bytes";
            return false;
        }

        var entries = new List<(int, byte[])>(count);
        var seen = new HashSet<int>();
        for (var i = 0; i < count; i++)
        {
            var entry = source.Slice(2 + (i * EntrySize), EntrySize);
            int peer = BinaryPrimitives.ReadUInt16BigEndian(entry);
            if (peer >= SecureAggregationLimits.MaxClients || !seen.Add(peer))
            {
                reason = $"share ciphertext for client {peer} is out of range or repeated";
                return false;
            }

            entries.Add((peer, entry[2..].ToArray()));
        }

        shares = new ShareCiphertexts(entries);
        reason = string.Empty;
        return true;
    }
}
