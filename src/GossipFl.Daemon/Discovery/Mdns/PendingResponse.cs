using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>A delayed multicast response being aggregated for one link (RFC 6762 §6, §6.3).</summary>
internal sealed class PendingResponse(int link, TimeSpan due)
{
    public int Link { get; } = link;

    public TimeSpan Due { get; set; } = due;

    public List<DnsResourceRecord> Answers { get; } = [];
}
