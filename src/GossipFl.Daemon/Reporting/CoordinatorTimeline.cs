using System.Globalization;

namespace GossipFl.Daemon.Reporting;

/// <summary>One stretch of consecutive FedAvg rounds averaged by the same coordinator in the same term.</summary>
internal sealed record CoordinatorSpan(long FirstRound, long LastRound, string Coordinator, long Term)
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{(FirstRound == LastRound ? $"round {FirstRound}" : $"rounds {FirstRound}–{LastRound}")}: {Coordinator} (term {Term})");
}

/// <summary>Who coordinated which FedAvg rounds, read from the peers' node lines (empty for gossip runs).</summary>
internal static class CoordinatorTimeline
{
    public static IReadOnlyList<CoordinatorSpan> Of(RunMetrics run)
    {
        ArgumentNullException.ThrowIfNull(run);

        // Every peer that took round r's global model names the same coordinator and term; the most common
        // answer stands in case a metrics file was damaged.
        var perRound = run.Nodes
            .Where(n => n.Coordinator is not null && n.Term is not null)
            .GroupBy(n => n.Round)
            .OrderBy(g => g.Key)
            .Select(g => (Round: g.Key, Who: g.GroupBy(n => (n.Coordinator!, n.Term!.Value)).OrderByDescending(v => v.Count()).First().Key));
        var spans = new List<CoordinatorSpan>();
        foreach (var (round, (coordinator, term)) in perRound)
        {
            if (spans.Count > 0 && spans[^1] is var last && last.Coordinator == coordinator && last.Term == term)
            {
                spans[^1] = last with { LastRound = round };
            }
            else
            {
                spans.Add(new CoordinatorSpan(round, round, coordinator, term));
            }
        }

        return spans;
    }
}
