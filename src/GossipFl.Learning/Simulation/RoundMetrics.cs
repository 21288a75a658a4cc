namespace GossipFl.Learning.Simulation;

/// <summary>
/// One round's summary (a "round" line of metrics.jsonl and a row of rounds.csv; docs/algorithms.md defines each value).
/// <see cref="Bytes"/> is what all peers sent this round, in <see cref="Messages"/> messages.
/// </summary>
public sealed record RoundMetrics(
    long Round,
    int Nodes,
    int Alive,
    double MeanTrainLoss,
    double Regret,
    double? MeanTestAccuracy,
    double? MinTestAccuracy,
    double? MaxTestAccuracy,
    double ConsensusDistance,
    long Bytes,
    double Seconds,
    long Messages = 0)
{
    /// <summary>Mean bytes of a message this round: what one neighbour is sent per round; null when nothing was sent.</summary>
    public double? BytesPerNeighbour => Messages > 0 ? (double)Bytes / Messages : null;
}
