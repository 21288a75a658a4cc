namespace GossipFl.Learning.Simulation;

/// <summary>One node in one evaluated round (a "node" line of metrics.jsonl). Byte counts are totals since the start.</summary>
public sealed record NodeMetrics(
    long Round,
    string Node,
    double? TrainLoss,
    double? TestLoss,
    double? TestAccuracy,
    double Weight,
    long BytesSent,
    long BytesReceived);
