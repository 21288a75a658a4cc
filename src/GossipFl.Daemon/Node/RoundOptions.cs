namespace GossipFl.Daemon.Node;

/// <summary>How a node paces its synchronous rounds: each waits, up to the deadline, for every trusted peer's share.</summary>
internal sealed record RoundOptions(
    long Rounds,
    TimeSpan RoundDeadline,
    int EvaluateEvery,
    int CheckpointEvery = 1)
{
    /// <summary>Shares for rounds further ahead than this are refused, which bounds what a fast or hostile peer can make us hold.</summary>
    public const int MaxRoundsAhead = 4;
}
