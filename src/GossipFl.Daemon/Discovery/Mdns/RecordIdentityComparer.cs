using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>Compares records by name, class and rdata only (RFC 6762 identity), ignoring TTL and cache-flush.</summary>
internal sealed class RecordIdentityComparer : IEqualityComparer<DnsResourceRecord>
{
    public static RecordIdentityComparer Instance { get; } = new();

    public bool Equals(DnsResourceRecord? x, DnsResourceRecord? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.IsSameRecord(y));

    public int GetHashCode(DnsResourceRecord obj) => HashCode.Combine(obj.Name, obj.Class, obj.Data);
}
