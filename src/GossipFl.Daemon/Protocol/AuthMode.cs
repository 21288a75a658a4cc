namespace GossipFl.Daemon.Protocol;

/// <summary>How a session is authenticated. Values are wire values: never renumber.</summary>
public enum AuthMode : byte
{
    /// <summary>Each side signs the handshake transcript with its ECDSA P-256 identity key.</summary>
    Identity = 1,

    /// <summary>Both sides mix a cluster pre-shared key into the key schedule; no signatures.</summary>
    PreSharedKey = 2,
}
