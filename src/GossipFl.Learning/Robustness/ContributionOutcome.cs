namespace GossipFl.Learning.Robustness;

/// <summary>What a robust rule did with one peer's contribution in one round (counted per peer for operators).</summary>
public enum ContributionOutcome : byte
{
    /// <summary>Used as sent.</summary>
    Kept = 0,

    /// <summary>Used, but shortened to the rule's radius.</summary>
    Clipped = 1,

    /// <summary>Left out: not selected by Krum, or trimmed at most coordinates by a coordinate-wise rule.</summary>
    Discarded = 2,
}
