namespace GossipFl.Daemon.Discovery;

/// <summary>How a peer became known.</summary>
public enum PeerSource
{
    /// <summary>Found with mDNS / DNS-SD; leaves the table when its records expire or it says goodbye.</summary>
    Mdns = 1,

    /// <summary>Given with --peer host:port; stays for the node's lifetime.</summary>
    Static = 2,
}
