namespace GossipFl.Daemon.Discovery;

/// <summary>
/// What discovery advertises and where it looks. Without a <see cref="NodeName"/> it only browses (the
/// `gossipfl peers` command); with one it also answers for the node's `_gossipfl._udp.local` instance.
/// </summary>
public sealed class DiscoveryOptions
{
    /// <summary>Instance name to advertise (one DNS label, at most 63 UTF-8 bytes); null to browse only.</summary>
    public string? NodeName { get; set; }

    /// <summary>Fingerprint of the node's identity key, advertised in TXT key "fp".</summary>
    public string KeyFingerprint { get; set; } = "";

    /// <summary>UDP port of the node's transport: the SRV port and TXT key "port".</summary>
    public int TransportPort { get; set; }

    /// <summary>TCP port of the status endpoint, TXT key "status"; 0 to advertise none (it listens on loopback only, or is off).</summary>
    public int StatusPort { get; set; }

    /// <summary>GossipFl protocol version, TXT key "v".</summary>
    public int ProtocolVersion { get; set; } = 1;

    /// <summary>Interface names to use; empty means every up, multicast-capable, non-loopback interface.</summary>
    public IList<string> Interfaces { get; } = [];

    public bool UseIPv4 { get; set; } = true;

    public bool UseIPv6 { get; set; } = true;

    /// <summary>False to use only <see cref="StaticPeers"/> (networks without multicast).</summary>
    public bool EnableMulticast { get; set; } = true;

    /// <summary>Peers given as "host:port" or "[v6]:port"; they join the peer table and never expire.</summary>
    public IList<string> StaticPeers { get; } = [];

    /// <summary>TTL of SRV, A, AAAA and NSEC records (RFC 6762 §10: 120 s for records with a host name).</summary>
    public TimeSpan HostRecordTtl { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>TTL of PTR and TXT records (RFC 6762 §10: 75 minutes). Tests shorten both to a few seconds.</summary>
    public TimeSpan ServiceRecordTtl { get; set; } = TimeSpan.FromMinutes(75);

    /// <summary>Seed for timing jitter; null for an unpredictable seed. Tests set it so runs repeat.</summary>
    public int? RandomSeed { get; set; }

    /// <summary>Receives one line per notable event (conflicts, drops, socket errors). Null: silent, still counted.</summary>
    public Action<string>? Log { get; set; }
}
