namespace GossipFl.Daemon.Reporting;

/// <summary>One <c>"kind":"round"</c> line of metrics.jsonl: the whole network after a round.</summary>
internal sealed record RoundMetrics(
    long Round,
    int? Nodes,
    int? Alive,
    double? MeanTrainLoss,
    double? Regret,
    double? MeanTestAccuracy,
    double? ConsensusDistance,
    long? Bytes);
