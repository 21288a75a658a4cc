namespace GossipFl.Learning.Simulation;

/// <summary>
/// One node in one evaluated round (a "node" line of metrics.jsonl). Byte counts are totals since the start.
/// FedAvg daemons add the coordinator that averaged the round and its term. Test figures come from a shared test
/// set; validation figures from the node's own held-out data (a daemon with <c>--data</c>). Under peer-level DP,
/// <see cref="Epsilon"/> is what the node has spent as of the round, at its <see cref="Delta"/>.
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
    long? Term = null,
    double? ValidationLoss = null,
    double? ValidationAccuracy = null,
    double? Epsilon = null,
    double? Delta = null);
