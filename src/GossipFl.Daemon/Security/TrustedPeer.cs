namespace GossipFl.Daemon.Security;

/// <summary>A peer we accept messages from, optionally pinned to a key fingerprint (lowercase hex).</summary>
public sealed record TrustedPeer(string NodeName, string? PinnedFingerprint = null);
