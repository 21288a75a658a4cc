namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>
/// One resource record. <paramref name="CacheFlush"/> is the top bit of the class field in mDNS answers
/// (RFC 6762 §10.2): the sender says it holds the whole set of records of this name and type. <paramref name="Class"/>
/// never includes that bit.
/// </summary>
public sealed record DnsResourceRecord(DnsName Name, ushort Class, bool CacheFlush, uint Ttl, DnsRecordData Data)
{
    /// <summary>Type, class, TTL and rdata length.</summary>
    public const int FixedSize = 10;

    public DnsRecordType Type => Data.Type;

    /// <summary>Same name, type, class and rdata: the identity RFC 6762 uses for caching and suppression; TTL and
    /// the cache-flush bit do not count.</summary>
    public bool IsSameRecord(DnsResourceRecord other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Class == other.Class && Name.Equals(other.Name) && Data.Equals(other.Data);
    }

    public DnsResourceRecord WithTtl(uint ttl) => this with { Ttl = ttl };
}
