namespace GossipFl.Learning.Simulation;

/// <summary>One round's summary (a "round" line of metrics.jsonl and a row of rounds.csv; docs/algorithms.md defines each value).</summary>
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
    double Seconds);
