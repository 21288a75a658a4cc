namespace GossipFl.Learning.Simulation;

/// <summary>The virtual network's impairments. All draws are seeded (see <see cref="VirtualNetwork"/>).</summary>
/// <param name="LossProbability">Chance that any one message is lost, per link and round, in [0, 1].</param>
/// <param name="MaxDelayRounds">Each message arrives 0..MaxDelayRounds rounds late, uniformly (0: every message on time).</param>
/// <param name="ChurnProbability">Chance per round that a live peer leaves, in [0, 1].</param>
/// <param name="MeanDowntimeRounds">Mean rounds a departed peer stays away (it rejoins each round with probability 1/mean).</param>
public sealed record NetworkConditions(
    double LossProbability = 0,
    int MaxDelayRounds = 0,
    double ChurnProbability = 0,
    double MeanDowntimeRounds = NetworkConditions.DefaultMeanDowntime)
{
    public const double DefaultMeanDowntime = 10;

    public static NetworkConditions Perfect { get; } = new();

    public bool IsLossless => LossProbability == 0 && MaxDelayRounds == 0 && ChurnProbability == 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (!(LossProbability >= 0 && LossProbability <= 1))
        {
            throw new ArgumentException($"the loss probability must be in [0, 1], got {LossProbability}");
        }

        if (MaxDelayRounds < 0)
        {
            throw new ArgumentException($"the delay must be at least 0 rounds, got {MaxDelayRounds}");
        }

        if (!(ChurnProbability >= 0 && ChurnProbability <= 1))
        {
            throw new ArgumentException($"the churn probability must be in [0, 1], got {ChurnProbability}");
        }

        if (!(MeanDowntimeRounds >= 1) || double.IsInfinity(MeanDowntimeRounds))
        {
            throw new ArgumentException($"the mean downtime must be at least 1 round, got {MeanDowntimeRounds}");
        }
    }
}
