namespace GossipFl.Daemon.Coordination;

/// <summary>What must survive a restart for a peer never to vote twice in one term: the term and whom it voted for.</summary>
internal readonly record struct ElectionVote(long Term, string? VotedFor);
