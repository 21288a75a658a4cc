using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>Keys the responder's per-link rate limit (RFC 6762 §6.2): same link and same record identity.</summary>
internal sealed class LinkRecordComparer : IEqualityComparer<(int Link, DnsResourceRecord Record)>
{
    public static LinkRecordComparer Instance { get; } = new();

    public bool Equals((int Link, DnsResourceRecord Record) x, (int Link, DnsResourceRecord Record) y) =>
        x.Link == y.Link && x.Record.IsSameRecord(y.Record);

    public int GetHashCode((int Link, DnsResourceRecord Record) obj) =>
        HashCode.Combine(obj.Link, RecordIdentityComparer.Instance.GetHashCode(obj.Record));
}
