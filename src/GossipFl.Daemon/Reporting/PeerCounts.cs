namespace GossipFl.Daemon.Reporting;

/// <summary>
/// One <c>"kind":"peer"</c> line of metrics.jsonl: how often robust aggregation clipped or discarded a peer over the
/// run (the simulator's line counts every receiver; a daemon's only itself) and, from the simulator, whether the
/// peer was an attacker (null when the writer does not know). Under peer-level DP it also has the peer's final ε at δ.
/// </summary>
internal sealed record PeerCounts(string Node, bool? Attacker, long Clipped, long Discarded, double? Delta = null);
