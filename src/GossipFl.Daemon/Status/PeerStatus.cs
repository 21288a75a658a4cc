namespace GossipFl.Daemon.Status;

/// <summary>
/// What a node knows about one peer: how it relates by trust, where it is, when it was last heard, and for a
/// follower whether it has subscribed (null for peers that do not follow this node). <see cref="Clipped"/> and
/// <see cref="Discarded"/> count the rounds this node's robust aggregation rule clipped or left out the peer's
/// contribution (always 0 under the plain mean): who misbehaves shows here.
/// </summary>
internal sealed record PeerStatus(
    string Name,
    bool Trusted,
    bool Follower,
    string? Endpoint,
    DateTimeOffset? LastSeen,
    string State,
    bool? Subscribed = null,
    long Clipped = 0,
    long Discarded = 0);
