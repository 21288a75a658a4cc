using System.Globalization;
using System.Text.RegularExpressions;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>Reads FedAvg daemons' logs for who was elected coordinator of which term.</summary>
internal static partial class CoordinatorLog
{
    /// <summary>Every (term, node) a daemon logged winning, over the given nodes' logs.</summary>
    public static List<(long Term, string Node)> Elections(DaemonProcesses daemons, IEnumerable<string> nodes) =>
        nodes.SelectMany(node => daemons.Log(node)
            .Select(line => Elected().Match(line))
            .Where(m => m.Success)
            .Select(m => (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), node)))
        .ToList();

    /// <summary>The safety property: no term has two different coordinators, across all peers' logs.</summary>
    public static void AssertNeverTwoPerTerm(List<(long Term, string Node)> elections)
    {
        Assert.NotEmpty(elections);
        foreach (var term in elections.GroupBy(e => e.Term))
        {
            var winners = term.Select(e => e.Node).Distinct().ToArray();
            Assert.True(winners.Length == 1, $"term {term.Key} had coordinators {string.Join(", ", winners)}");
        }
    }

    /// <summary>
    /// The coordinator a daemon believes in now, from its last election line: (term, name), (term, null) while it
    /// has none, or null before its first election line.
    /// </summary>
    public static (long Term, string? Coordinator)? Current(DaemonProcesses daemons, string node)
    {
        foreach (var line in daemons.Log(node).Reverse())
        {
            var match = Election().Match(line);
            if (!match.Success)
            {
                continue;
            }

            var term = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return match.Groups[2].Value switch
            {
                "elected coordinator" => (term, node),
                var text when text.StartsWith("coordinator is ", StringComparison.Ordinal) => (term, text["coordinator is ".Length..].Trim()),
                // "coordinator X went silent", "no coordinator yet", "standing for election", "stepping down"
                _ => (term, null),
            };
        }

        return null;
    }

    [GeneratedRegex(@"term (\d+): elected coordinator")]
    private static partial Regex Elected();

    [GeneratedRegex(@"term (\d+): (elected coordinator|coordinator is \S+|standing for election|stepping down|no coordinator yet|coordinator \S+ went silent)")]
    private static partial Regex Election();
}
