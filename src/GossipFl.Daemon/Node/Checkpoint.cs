using GossipFl.Learning.Algorithms;

namespace GossipFl.Daemon.Node;

/// <summary>
/// What a node needs to resume after a crash: the last completed round, its parameter vector x and push-sum
/// weight w (the de-biased model is x / w), and its learner's state (data-order position, optimizer state) in
/// the learner's own format; null when the checkpoint holds none (format 1, or a learner without state).
/// </summary>
internal sealed record Checkpoint(long Round, double Weight, float[] Parameters, byte[]? LearnerState)
{
    /// <summary>
    /// The de-biased model z = x / w, computed as the node computes it (<see cref="GossipNode.CopyModel"/>: the
    /// reciprocal in double, rounded once); x itself when w is 1 (FedAvg's global model, D-PSGD, DOL).
    /// </summary>
    public float[] Model()
    {
        var model = new float[Parameters.Length];
        if (Weight != 1.0)
        {
            VectorMath.Scale(model, Parameters, (float)(1.0 / Weight));
        }
        else
        {
            Parameters.CopyTo(model, 0);
        }

        return model;
    }
}
