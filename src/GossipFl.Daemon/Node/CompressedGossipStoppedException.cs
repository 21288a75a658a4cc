namespace GossipFl.Daemon.Node;

/// <summary>
/// Compressed gossip stopped because a share of the round is missing or could not be delivered (its estimates are sums
/// over every share, so it stops rather than mix wrongly). An expected end the message explains, not a crash.
/// </summary>
internal sealed class CompressedGossipStoppedException(string message) : Exception(message);
