namespace GossipFl.Daemon.Coordination;

/// <summary>
/// Who takes part in the coordinator election and how it is paced. Members are the topology's nodes; the quorum
/// is the number of votes (the candidate's own included) that elects, and the number of live peers a coordinator
/// must keep hearing from to stay coordinator.
/// </summary>
internal sealed record ElectionOptions
{
    public required string Self { get; init; }

    public required IReadOnlyList<string> Members { get; init; }

    /// <summary>Votes that elect; more than half of <see cref="Members"/>, so two quorums always share a voter.</summary>
    public required int Quorum { get; init; }

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>A follower that hears no coordinator for a random time in [min, max) stands for election.</summary>
    public TimeSpan ElectionTimeoutMin { get; init; } = TimeSpan.FromSeconds(1.5);

    public TimeSpan ElectionTimeoutMax { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The smallest quorum that keeps "one coordinator per term": a strict majority.</summary>
    public static int Majority(int members) => (members / 2) + 1;

    /// <summary>Parses the <c>quorum</c> setting: <c>majority</c> (default) or a count in (members / 2, members].</summary>
    public static int ParseQuorum(string? text, int members)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("majority", StringComparison.OrdinalIgnoreCase))
        {
            return Majority(members);
        }

        if (!int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var quorum))
        {
            throw new FormatException($"quorum '{text}' is neither 'majority' nor a whole number");
        }

        if (quorum <= members / 2 || quorum > members)
        {
            throw new FormatException(
                $"quorum {quorum} is outside {Majority(members)}..{members} for {members} nodes: below a majority, two sides of a partition could each elect a coordinator in the same term");
        }

        return quorum;
    }

    public void Validate()
    {
        if (!Members.Contains(Self, StringComparer.Ordinal))
        {
            throw new ArgumentException($"{Self} is not one of the members");
        }

        if (Quorum <= Members.Count / 2 || Quorum > Members.Count)
        {
            throw new ArgumentException($"quorum {Quorum} must be a majority of {Members.Count} members");
        }

        if (HeartbeatInterval <= TimeSpan.Zero || ElectionTimeoutMin <= HeartbeatInterval || ElectionTimeoutMax <= ElectionTimeoutMin)
        {
            throw new ArgumentException("need 0 < heartbeat interval < election timeout min < election timeout max");
        }
    }
}
