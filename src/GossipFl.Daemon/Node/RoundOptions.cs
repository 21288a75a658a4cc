namespace GossipFl.Daemon.Node;

/// <summary>How a node paces its rounds.</summary>
internal sealed record RoundOptions(
    long Rounds,
    TimeSpan RoundDeadline,
    int EvaluateEvery,
    int CheckpointEvery = 1)
{
    /// <summary>Shares for rounds further ahead than this are refused, which bounds what a fast or hostile peer can make us hold.</summary>
    public const int MaxRoundsAhead = 4;
}
