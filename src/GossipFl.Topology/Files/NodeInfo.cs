namespace GossipFl.Topology.Files;

/// <summary>
/// What a topology file says about one node besides trust: where to find it (a host:port hint for networks
/// without multicast discovery) and which identity key to expect (a pinned fingerprint).
/// </summary>
public sealed record NodeInfo(string Name, string? Address = null, string? Fingerprint = null);
