namespace GossipFl.Learning.Simulation;

/// <summary>
/// How often, over a whole run, robust rules clipped or discarded this peer's contributions (the simulator: all
/// peers' rules; a daemon: its own), and whether the run made it an attacker (null where that is not known, as on a
/// daemon): an operator reads who misbehaved from the counts, a test checks them against the attackers. Under
/// peer-level DP it also carries the peer's final ε at its δ and the round its budget stopped it before (if any).
/// </summary>
public sealed record PeerTotals(
    string Node, bool? Attacker, long Clipped, long Discarded, double? Epsilon = null, double? Delta = null, long? PrivacyStoppedBefore = null);
