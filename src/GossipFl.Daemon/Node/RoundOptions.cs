namespace GossipFl.Daemon.Node;

/// <summary>
/// How a node paces its rounds. Synchronous: each round waits (up to the deadline) for every trusted peer's share of
/// that round. Asynchronous: a node never waits; each local round folds whatever shares have arrived, of any round.
/// </summary>
internal sealed record RoundOptions(
    long Rounds,
    TimeSpan RoundDeadline,
    int EvaluateEvery,
    int CheckpointEvery = 1,
    bool Asynchronous = false)
{
    /// <summary>Shares for rounds further ahead than this are refused, which bounds what a fast or hostile peer can make us hold.</summary>
    public const int MaxRoundsAhead = 4;
}
