namespace GossipFl.Daemon.Node;

/// <summary>
/// What a node needs to resume after a crash: the last completed round, its parameter vector x and push-sum
/// weight w (the de-biased model is x / w), and where the optimizer state was saved beside it.
/// </summary>
internal sealed record Checkpoint(long Round, double Weight, float[] Parameters, string? OptimizerStatePath);
