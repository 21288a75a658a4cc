namespace GossipFl.Learning.Simulation;

/// <summary>
/// One node in one evaluated round (a "node" line of metrics.jsonl). Byte counts are totals since the start.
/// FedAvg daemons add the coordinator that averaged the round and its term.
/// </summary>
public sealed record NodeMetrics(
    long Round,
    string Node,
    double? TrainLoss,
    double? TestLoss,
    double? TestAccuracy,
    double Weight,
    long BytesSent,
    long BytesReceived,
    string? Coordinator = null,
    long? Term = null);
