namespace GossipFl.Daemon.Node;

/// <summary>
/// What a node needs to resume after a crash: the last completed round, its parameter vector x and push-sum
/// weight w (the de-biased model is x / w), and its learner's state (data-order position, optimizer state) in
/// the learner's own format; null when the checkpoint holds none (format 1, or a learner without state).
/// </summary>
internal sealed record Checkpoint(long Round, double Weight, float[] Parameters, byte[]? LearnerState);
