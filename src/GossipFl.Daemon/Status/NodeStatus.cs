namespace GossipFl.Daemon.Status;

/// <summary>A snapshot of a running node, served as JSON at <c>/status</c> and as Prometheus text at <c>/metrics</c>.</summary>
internal sealed record NodeStatus(
    string Node,
    string Algorithm,
    string State,
    long Round,
    double? TrainLoss,
    double? TestLoss,
    double? TestAccuracy,
    double Weight,
    long BytesSent,
    long BytesReceived,
    IReadOnlyDictionary<string, long> Drops,
    IReadOnlyList<PeerStatus> Peers,
    DateTimeOffset StartedAt,
    string? Coordinator = null,
    long? Term = null);
