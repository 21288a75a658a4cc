using System.Buffers.Binary;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// The server's forward of round 4 (ConsistencyCheck): the survivors' signatures over U3, at least t of them, which
/// every survivor checks before it sends an unmasking share. Layout: count u16, then per signer: id u16 ‖ signature[64],
/// ids ascending.
/// </summary>
public sealed record ConsistencyProof(IReadOnlyList<(int Client, byte[] Signature)> Entries)
{
    private const int EntrySize = 2 + IdentitySignatures.SignatureSize;

    public int Size => 2 + (Entries.Count * EntrySize);

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)Entries.Count);
        var offset = 2;
        foreach (var (client, signature) in Entries)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(offset), (ushort)client);
            signature.CopyTo(bytes.AsSpan(offset + 2));
            offset += EntrySize;
        }

        return bytes;
    }

    /// <summary>Refuses, with the reason, a wrong length, too many signers, or ids out of range, repeated or not ascending.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ConsistencyProof proof, out string reason)
    {
        proof = null!;
        if (source.Length < 2)
        {
            reason = "consistency proof truncated";
            return false;
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(source);
        if (count > SecureAggregationLimits.MaxClients || source.Length != 2 + (count * EntrySize))
        {
            reason = $"consistency proof of {count} signatures in {source.Length} bytes";
            return false;
        }

        var entries = new List<(int, byte[])>(count);
        var previous = -1;
        for (var i = 0; i < count; i++)
        {
            var entry = source.Slice(2 + (i * EntrySize), EntrySize);
            int client = BinaryPrimitives.ReadUInt16BigEndian(entry);
            if (client <= previous || client >= SecureAggregationLimits.MaxClients)
            {
                reason = $"consistency proof lists client {client} after {previous} (ids ascend and are below {SecureAggregationLimits.MaxClients})";
                return false;
            }

            entries.Add((client, entry[2..].ToArray()));
            previous = client;
        }

        proof = new ConsistencyProof(entries);
        reason = string.Empty;
        return true;
    }
}
