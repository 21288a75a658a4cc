using System.Text.Json;

namespace GossipFl.Daemon.Reporting;

/// <summary>Everything a run left in its output directory: metrics by round and by node, and its configuration.</summary>
internal sealed record RunMetrics(
    string Directory,
    IReadOnlyList<RoundMetrics> Rounds,
    IReadOnlyList<NodeMetrics> Nodes,
    JsonElement? Configuration)
{
    public IReadOnlyList<string> NodeNames { get; } = Nodes.Select(n => n.Node).Distinct(StringComparer.Ordinal).Order(NaturalOrder.Instance).ToArray();

    public long LastRound => Math.Max(Rounds.Count == 0 ? 0 : Rounds.Max(r => r.Round), Nodes.Count == 0 ? 0 : Nodes.Max(n => n.Round));
}
