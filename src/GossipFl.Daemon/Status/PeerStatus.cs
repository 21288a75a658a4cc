namespace GossipFl.Daemon.Status;

/// <summary>What a node knows about one peer: how it relates by trust, where it is, and when it was last heard.</summary>
internal sealed record PeerStatus(
    string Name,
    bool Trusted,
    bool Follower,
    string? Endpoint,
    DateTimeOffset? LastSeen,
    string State);
