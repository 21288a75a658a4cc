namespace GossipFl.Learning.Simulation;

/// <summary>
/// How often, over a whole run, the other peers' robust rules clipped or discarded this peer's contributions, and
/// whether the run made it an attacker: an operator reads who misbehaved from the first two, a test checks them
/// against the third.
/// </summary>
public sealed record PeerTotals(string Node, bool Attacker, long Clipped, long Discarded);
