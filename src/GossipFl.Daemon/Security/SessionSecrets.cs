namespace GossipFl.Daemon.Security;

/// <summary>The four keys one handshake derives: two to seal the handshake proofs, two for data, one per direction.</summary>
public sealed record SessionSecrets(
    byte[] InitiatorProofKey,
    byte[] ResponderProofKey,
    byte[] InitiatorToResponder,
    byte[] ResponderToInitiator);
