using System.Net;

namespace GossipFl.Daemon.Discovery;

/// <summary>
/// One entry of the <see cref="PeerTable"/>. <see cref="InstanceName"/> is the DNS-SD instance label (the node name,
/// or a renamed "node (2)" after a conflict) for mDNS peers and "host:port" for static ones. Fields the peer did
/// not advertise are empty: <see cref="ProtocolVersion"/> 0, <see cref="KeyFingerprint"/> "", <see cref="StatusPort"/> 0.
/// </summary>
public sealed record PeerInfo(
    string InstanceName,
    string NodeName,
    IReadOnlyList<IPAddress> Addresses,
    int Port,
    int ProtocolVersion,
    string KeyFingerprint,
    PeerSource Source,
    DateTimeOffset? Expires)
{
    /// <summary>TCP port of the peer's status endpoint (TXT key "status"), on <see cref="Addresses"/>; 0 when it advertises none.</summary>
    public int StatusPort { get; init; }

    /// <summary>True when everything but the expiry is the same: a refresh, not a change worth an event.</summary>
    public bool SameAdvertisement(PeerInfo other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return InstanceName == other.InstanceName && NodeName == other.NodeName && Port == other.Port &&
            ProtocolVersion == other.ProtocolVersion && KeyFingerprint == other.KeyFingerprint && Source == other.Source &&
            StatusPort == other.StatusPort &&
            Addresses.Count == other.Addresses.Count && Addresses.All(other.Addresses.Contains);
    }
}
