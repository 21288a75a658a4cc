namespace GossipFl.Learning.Algorithms;

/// <summary>
/// Compressed gossip's model is no longer finite: the consensus step γ was too large for the codec (docs/algorithms.md,
/// "Consensus step γ"). The run's settings caused it, not a defect, so callers report the message in one line.
/// </summary>
public sealed class CompressedGossipDivergedException(string message) : InvalidOperationException(message);
