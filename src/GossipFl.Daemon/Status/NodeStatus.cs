namespace GossipFl.Daemon.Status;

/// <summary>
/// A snapshot of a running node, served as JSON at <c>/status</c> and as Prometheus text at <c>/metrics</c>. Test
/// figures are measured on a shared test set (the experiment's, or <c>--test-data</c>); validation figures on the
/// node's own held-out data (<c>--data</c>). <see cref="Aggregation"/> is the node's rule and <see cref="Compress"/>
/// the codec of what it sends (with the consensus step when gossip is compressed); <see cref="MostClipped"/>
/// the peer its rule clipped or discarded most often (null when none ever was). Under peer-level DP,
/// <see cref="Epsilon"/> is what the node has spent over <see cref="PrivateRounds"/> rounds at <see cref="Delta"/>
/// (null with a delta: unbounded, σ = 0), and <see cref="PrivacyStopped"/> whether its budget has stopped its training.
/// </summary>
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
    long? Term = null,
    double? ValidationLoss = null,
    double? ValidationAccuracy = null,
    string? TaskSignature = null,
    string Aggregation = "mean",
    string? MostClipped = null,
    double? Epsilon = null,
    double? Delta = null,
    long? PrivateRounds = null,
    double? EpsilonBudget = null,
    bool PrivacyStopped = false,
    string Compress = "none");
