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

    public const string CurrentTxtVersion = "1";
}
