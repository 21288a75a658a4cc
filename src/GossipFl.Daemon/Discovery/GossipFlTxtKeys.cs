namespace GossipFl.Daemon.Discovery;

/// <summary>The TXT keys a GossipFl instance advertises (documented in docs/discovery.md).</summary>
public static class GossipFlTxtKeys
{
    /// <summary>Version of this TXT layout (RFC 6763 §6.7 recommends it as the first key).</summary>
    public const string TxtVersion = "txtvers";

    /// <summary>GossipFl wire protocol version.</summary>
    public const string ProtocolVersion = "v";

    public const string NodeName = "node";

    /// <summary>Fingerprint of the node's identity key, so a peer can be pinned before the first handshake.</summary>
    public const string KeyFingerprint = "fp";

    /// <summary>UDP port of the transport (also the SRV port; repeated for tools that only read TXT).</summary>
    public const string TransportPort = "port";

    /// <summary>
    /// TCP port of the node's HTTP status endpoint, on the addresses of its A/AAAA records. Present only when the
    /// endpoint listens beyond loopback (e.g. <c>--status-bind 0.0.0.0</c>): a port only reachable on the node's
    /// own machine would mislead `gossipfl inspect --discover` on every other one.
    /// </summary>
    public const string StatusPort = "status";

    public const string CurrentTxtVersion = "1";
}
