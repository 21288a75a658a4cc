using System.Net;
using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>Fixed values of RFC 6762 and RFC 6763 and the names GossipFl uses.</summary>
internal static class MdnsConstants
{
    public const int Port = 5353;

    public static IPAddress GroupV4 { get; } = IPAddress.Parse("224.0.0.251");

    public static IPAddress GroupV6 { get; } = IPAddress.Parse("ff02::fb");

    public static DnsName Local { get; } = DnsName.Parse("local");

    public static DnsName ServiceType { get; } = DnsName.Parse("_gossipfl._udp.local");

    /// <summary>RFC 6763 §9: the list of service types, so `avahi-browse -a` finds ours.</summary>
    public static DnsName ServiceTypeEnumeration { get; } = DnsName.Parse("_services._dns-sd._udp.local");

    /// <summary>RFC 6762 §10.1, §10.2: what a goodbye or a flushed record lives on for.</summary>
    public static TimeSpan GoodbyeGrace { get; } = TimeSpan.FromSeconds(1);

    /// <summary>RFC 6762 §6.2: a record is multicast at most once a second per link (the responder's limit, the browser's allowance).</summary>
    public static TimeSpan MulticastRateLimit { get; } = TimeSpan.FromSeconds(1);

    /// <summary>RFC 6762 §6.7: legacy unicast answers carry TTLs no larger than this.</summary>
    public const uint LegacyUnicastMaxTtl = 10;

    /// <summary>Our own messages stay below a typical Ethernet MTU (RFC 6762 §17 recommends fitting one packet).</summary>
    public const int MaxOutgoingSize = 1440;
}
