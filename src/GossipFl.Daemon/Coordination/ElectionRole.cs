namespace GossipFl.Daemon.Coordination;

/// <summary>A peer's role in the current term (Raft's follower, candidate and leader).</summary>
internal enum ElectionRole
{
    Follower,
    Candidate,
    Coordinator,
}
