namespace GossipFl.Learning.Robustness;

/// <summary>The outcome for peer <paramref name="Peer"/>'s contribution in the round that just completed.</summary>
public readonly record struct ContributionVerdict(int Peer, ContributionOutcome Outcome);
