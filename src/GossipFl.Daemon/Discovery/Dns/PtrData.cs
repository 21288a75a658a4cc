namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>PTR rdata: a pointer to another name (RFC 1035 §3.3.12); DNS-SD uses it to list instances.</summary>
public sealed record PtrData(DnsName Target) : DnsRecordData
{
    public override DnsRecordType Type => DnsRecordType.DomainPointer;
}
