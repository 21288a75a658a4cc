using System.Text.Json;

namespace GossipFl.Daemon.Reporting;

/// <summary>Everything a run left in its output directory: metrics by round and by node, and its configuration.</summary>
internal sealed record RunMetrics(
    string Directory,
    IReadOnlyList<RoundMetrics> Rounds,
    IReadOnlyList<NodeMetrics> Nodes,
    JsonElement? Configuration,
    IReadOnlyList<PeerCounts>? Peers = null)
{
    /// <summary>Per-peer clipped and discarded totals, summed over the files that reported them (empty without a robust rule).</summary>
    public IReadOnlyList<PeerCounts> PeerTotals { get; } = (Peers ?? [])
        .GroupBy(p => p.Node, StringComparer.Ordinal)
        .Select(g => new PeerCounts(g.Key, g.Any(p => p.Attacker == true) ? true : g.All(p => p.Attacker == false) ? false : null, g.Sum(p => p.Clipped), g.Sum(p => p.Discarded)))
        .OrderByDescending(p => p.Clipped + p.Discarded).ThenBy(p => p.Node, NaturalOrder.Instance).ToArray();

    /// <summary>The peers the simulator marked as attackers (peer lines with <c>"attacker":true</c>); empty otherwise.</summary>
    public IReadOnlySet<string> Attackers { get; } = (Peers ?? []).Where(p => p.Attacker == true).Select(p => p.Node).ToHashSet(StringComparer.Ordinal);

    public IReadOnlyList<string> NodeNames { get; } = Nodes.Select(n => n.Node).Distinct(StringComparer.Ordinal).Order(NaturalOrder.Instance).ToArray();

    /// <summary>
    /// How many rounds the run reported: the distinct round numbers of its lines. Runs number rounds from 0 (simulate and
    /// daemons), so this is not <see cref="LastRound"/>, which is the highest number.
    /// </summary>
    public int RoundCount => Rounds.Select(r => r.Round).Concat(Nodes.Select(n => n.Round)).Distinct().Count();

    public long LastRound => Math.Max(Rounds.Count == 0 ? 0 : Rounds.Max(r => r.Round), Nodes.Count == 0 ? 0 : Nodes.Max(n => n.Round));
}
