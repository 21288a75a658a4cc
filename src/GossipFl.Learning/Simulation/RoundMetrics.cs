namespace GossipFl.Learning.Simulation;

/// <summary>
/// One round's summary (a "round" line of metrics.jsonl and a row of rounds.csv; docs/algorithms.md defines each value).
/// A run with an attack also has the mean test accuracy over honest peers only and the contributions the robust rule
/// clipped and discarded this round.
/// <see cref="Bytes"/> is what all peers sent this round, in <see cref="Messages"/> messages; <see cref="BytesPerNeighbour"/>
/// the mean bytes one peer sends one neighbour in the round: every message for gossip, the clients' updates to the
/// coordinator for FedAvg (the messages compression shrinks; null when there were none).
/// Under peer-level DP, <see cref="MaxEpsilon"/> is the largest ε any peer has spent so far (at its own δ) and
/// <see cref="PrivacyStopped"/> how many peers its budget has stopped.
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
    long Discarded = 0,
    long Messages = 0,
    double? BytesPerNeighbour = null,
    double? MaxEpsilon = null,
    int? PrivacyStopped = null);
