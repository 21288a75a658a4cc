namespace GossipFl.Daemon.Status;

/// <summary>
/// What a node knows about one peer: how it relates by trust, where it is, when it was last heard, and for a
/// follower whether it has subscribed (null for peers that do not follow this node).
/// </summary>
internal sealed record PeerStatus(
    string Name,
    bool Trusted,
    bool Follower,
    string? Endpoint,
    DateTimeOffset? LastSeen,
    string State,
    bool? Subscribed = null);
