namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>
/// TXT rdata: a sequence of byte strings of at most 255 bytes each (RFC 1035 §3.3.14). DNS-SD reads them as
/// key=value pairs (RFC 6763 §6); see <see cref="GossipFl.Daemon.Discovery.TxtProperties"/>.
/// </summary>
public sealed record TxtData : DnsRecordData
{
    public const int MaxStringLength = 255;

    public TxtData(IReadOnlyList<byte[]> strings)
    {
        ArgumentNullException.ThrowIfNull(strings);
        foreach (var s in strings)
        {
            if (s.Length > MaxStringLength)
            {
                throw new ArgumentException($"a TXT string is {s.Length} bytes; at most {MaxStringLength} fit", nameof(strings));
            }
        }

        Strings = strings;
    }

    public IReadOnlyList<byte[]> Strings { get; }

    public override DnsRecordType Type => DnsRecordType.Txt;

    public bool Equals(TxtData? other) =>
        other is not null && other.Strings.Count == Strings.Count &&
        Strings.Zip(other.Strings).All(pair => pair.First.AsSpan().SequenceEqual(pair.Second));

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var s in Strings)
        {
            hash.AddBytes(s);
        }

        return hash.ToHashCode();
    }
}
