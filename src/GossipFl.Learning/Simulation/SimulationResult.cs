using GossipFl.Learning.Robustness;

namespace GossipFl.Learning.Simulation;

/// <summary>
/// What a run ended with. <see cref="Models"/> are the de-biased models z_i (push-sum) or x_i. <see cref="Attackers"/>
/// are the Byzantine peers (empty without an attack); <see cref="Counts"/> what each peer's robust rule clipped and
/// discarded of whom.
/// </summary>
public sealed record SimulationResult(
    int RoundsCompleted,
    bool Cancelled,
    RoundMetrics? Last,
    IReadOnlyList<float[]> Models,
    IReadOnlyList<double> Weights,
    long MessagesSent,
    long MessagesLost,
    double LostWeight,
    TimeSpan Elapsed,
    IReadOnlyList<int>? Attackers = null,
    ContributionCounts? Counts = null);
