using System.Buffers.Binary;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// The server's list of U3, the clients whose masked inputs it holds (start of round 3, Unmasking). Layout: count u16,
/// then ascending ids u16.
/// </summary>
public sealed record SurvivorList(int[] Clients)
{
    public int Size => 2 + (Clients.Length * 2);

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)Clients.Length);
        for (var i = 0; i < Clients.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2 + (i * 2)), (ushort)Clients[i]);
        }

        return bytes;
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out SurvivorList list, out string reason)
    {
        list = null!;
        if (source.Length < 2)
        {
            reason = "survivor list truncated";
            return false;
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(source);
        if (count > SecureAggregationLimits.MaxClients || source.Length != 2 + (count * 2))
        {
            reason = $"survivor list of {count} clients in {source.Length} bytes";
            return false;
        }

        var clients = new int[count];
        for (var i = 0; i < count; i++)
        {
            clients[i] = BinaryPrimitives.ReadUInt16BigEndian(source[(2 + (i * 2))..]);
            if (clients[i] >= SecureAggregationLimits.MaxClients || (i > 0 && clients[i] <= clients[i - 1]))
            {
                reason = $"survivor list ids do not ascend below {SecureAggregationLimits.MaxClients} ({clients[i]})";
                return false;
            }
        }

        list = new SurvivorList(clients);
        reason = string.Empty;
        return true;
    }
}
