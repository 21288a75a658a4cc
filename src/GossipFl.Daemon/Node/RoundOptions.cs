namespace GossipFl.Daemon.Node;

/// <summary>
/// How a node paces its rounds. Synchronous: each round waits, up to the deadline, for every trusted peer's share.
/// Asynchronous (<see cref="AsyncGossipDriver"/>): a round waits only when a live trusted peer is more than
/// <see cref="Staleness"/> rounds behind it, and then at most the deadline before it stops waiting for that peer.
/// </summary>
internal sealed record RoundOptions(
    long Rounds,
    TimeSpan RoundDeadline,
    int EvaluateEvery,
    int CheckpointEvery = 1,
    int Staleness = RoundOptions.DefaultStaleness)
{
    /// <summary>Shares for rounds further ahead than this are refused, which bounds what a fast or hostile peer can make us hold.</summary>
    public const int MaxRoundsAhead = 4;

    /// <summary>τ of the asynchronous mode when none is given: two rounds of overlap hide a share's transfer time behind training.</summary>
    public const int DefaultStaleness = 2;
}
