namespace GossipFl.Daemon.Reporting;

/// <summary>
/// One <c>"kind":"node"</c> line of metrics.jsonl: one peer after a round (FedAvg: with the round's coordinator and
/// term). Test accuracy is on a shared test set; validation accuracy on the peer's own held-out data. Under peer-level
/// DP the line carries the ε the peer has spent at its δ (ε null with a δ: unbounded).
/// </summary>
internal sealed record NodeMetrics(
    long Round,
    string Node,
    double? TrainLoss,
    double? TestLoss,
    double? TestAccuracy,
    double? Weight,
    long? BytesSent,
    long? BytesReceived,
    string? Coordinator = null,
    long? Term = null,
    double? ValidationAccuracy = null,
    double? Epsilon = null,
    double? Delta = null);
