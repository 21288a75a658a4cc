namespace GossipFl.Learning.Simulation;

/// <summary>What a run ended with. <see cref="Models"/> are the de-biased models z_i (push-sum) or x_i.</summary>
public sealed record SimulationResult(
    int RoundsCompleted,
    bool Cancelled,
    RoundMetrics? Last,
    IReadOnlyList<float[]> Models,
    IReadOnlyList<double> Weights,
    long MessagesSent,
    long MessagesLost,
    double LostWeight,
    TimeSpan Elapsed);
