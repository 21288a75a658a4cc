namespace GossipFl.Learning.Learners;

/// <summary>How much local training a node does per round: a number of mini-batch steps, or whole epochs.</summary>
/// <param name="Steps">Mini-batch steps per round (gossip algorithms); ignored when <paramref name="Epochs"/> is set.</param>
/// <param name="Epochs">Passes over the node's data per round (FedAvg's E); null to count steps.</param>
public sealed record LocalWork(int Steps, int? Epochs = null)
{
    /// <summary>Samples one round visits: E·n for epochs, steps·min(B, n) for steps.</summary>
    public int SamplesFor(int sampleCount, int batchSize) => Epochs is { } epochs
        ? checked(epochs * sampleCount)
        : checked(Steps * Math.Min(batchSize, sampleCount));

    /// <summary>
    /// Optimizer steps one round takes: the round's samples (<see cref="SamplesFor"/>) cut into batches of
    /// <paramref name="batchSize"/>, the last possibly smaller.
    /// </summary>
    public int StepsFor(int sampleCount, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var samples = SamplesFor(sampleCount, batchSize);
        return (int)((samples + (long)batchSize - 1) / batchSize);
    }
}
