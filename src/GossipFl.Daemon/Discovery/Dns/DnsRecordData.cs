namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>
/// The typed contents (rdata) of a resource record. Equality is by meaning: names compare case-insensitively,
/// byte strings by content, so two records that RFC 6762 considers the same record compare equal.
/// </summary>
public abstract record DnsRecordData
{
    public abstract DnsRecordType Type { get; }
}
