namespace GossipFl.Learning.Simulation;

/// <summary>
/// One round's summary (a "round" line of metrics.jsonl and a row of rounds.csv; docs/algorithms.md defines each value).
/// A run with an attack also has the mean test accuracy over honest peers only and the contributions the robust rule
/// clipped and discarded this round.
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
    double? MeanHonestTestAccuracy = null,
    long Clipped = 0,
    long Discarded = 0);
