namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>Unsigned lexicographic order of byte strings, as RFC 6762 §8.2 compares rdata.</summary>
internal sealed class ByteArrayComparer : IComparer<byte[]>
{
    public static ByteArrayComparer Instance { get; } = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
