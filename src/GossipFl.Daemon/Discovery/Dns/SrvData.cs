namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>SRV rdata (RFC 2782): where an instance runs, as a host name and a port.</summary>
public sealed record SrvData(ushort Priority, ushort Weight, ushort Port, DnsName Target) : DnsRecordData
{
    public const int FixedSize = 6;

    public override DnsRecordType Type => DnsRecordType.Srv;
}
