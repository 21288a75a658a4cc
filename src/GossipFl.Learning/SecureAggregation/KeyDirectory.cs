using System.Buffers.Binary;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// The server's answer to round 0: the keys of every client U1 that advertised, in ascending client order.
/// Layout: count u16, then per client: id u16 ‖ <see cref="AdvertisedKeys"/> (130 bytes).
/// </summary>
public sealed record KeyDirectory(IReadOnlyList<(int Client, AdvertisedKeys Keys)> Entries)
{
    private const int EntrySize = 2 + AdvertisedKeys.Size;

    public int Size => 2 + (Entries.Count * EntrySize);

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)Entries.Count);
        var offset = 2;
        foreach (var (client, keys) in Entries)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(offset), (ushort)client);
            keys.WriteTo(bytes.AsSpan(offset + 2));
            offset += EntrySize;
        }

        return bytes;
    }

    /// <summary>Refuses, with the reason, a wrong length, too many clients, or ids out of range, repeated or not ascending.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out KeyDirectory directory, out string reason)
    {
        directory = null!;
        if (source.Length < 2)
        {
            reason = "key directory truncated";
            return false;
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(source);
        if (count > SecureAggregationLimits.MaxClients || source.Length != 2 + (count * EntrySize))
        {
            reason = $"key directory of {count} clients in {source.Length} bytes";
            return false;
        }

        var entries = new List<(int, AdvertisedKeys)>(count);
        var previous = -1;
        for (var i = 0; i < count; i++)
        {
            var entry = source.Slice(2 + (i * EntrySize), EntrySize);
            int client = BinaryPrimitives.ReadUInt16BigEndian(entry);
            if (client <= previous || client >= SecureAggregationLimits.MaxClients)
            {
                reason = $"key directory lists client {client} after {previous} (ids ascend and are below {SecureAggregationLimits.MaxClients})";
                return false;
            }

            if (!AdvertisedKeys.TryRead(entry[2..], out var keys, out reason))
            {
                return false;
            }

            entries.Add((client, keys));
            previous = client;
        }

        directory = new KeyDirectory(entries);
        reason = string.Empty;
        return true;
    }
}
