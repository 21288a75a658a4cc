namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>
/// NSEC rdata (RFC 4034 §4). mDNS uses it only to say "this name has exactly these types" (RFC 6762 §6.1), with
/// the next-domain name equal to the record's own name.
/// </summary>
public sealed record NsecData(DnsName NextName, IReadOnlyList<DnsRecordType> Types) : DnsRecordData
{
    public override DnsRecordType Type => DnsRecordType.Nsec;

    public bool Equals(NsecData? other) =>
        other is not null && NextName.Equals(other.NextName) && Types.Order().SequenceEqual(other.Types.Order());

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(NextName);
        foreach (var type in Types.Order())
        {
            hash.Add(type);
        }

        return hash.ToHashCode();
    }
}
