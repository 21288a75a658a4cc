namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>Rdata of a type this stack does not interpret, kept as bytes so a message still round-trips.</summary>
public sealed record UnknownData(DnsRecordType RecordType, byte[] Bytes) : DnsRecordData
{
    public override DnsRecordType Type => RecordType;

    public bool Equals(UnknownData? other) =>
        other is not null && other.RecordType == RecordType && other.Bytes.AsSpan().SequenceEqual(Bytes);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(RecordType);
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }
}
