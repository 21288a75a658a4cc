using GossipFl.Topology.Files;
using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Analysis;

/// <summary>
/// Whether a loaded topology is usable: errors make it unusable (e.g. D-PSGD asked for on a directed graph),
/// warnings flag shapes that work but will not do what people usually want (no consensus, isolated nodes).
/// </summary>
public sealed record TopologyCheck(IReadOnlyList<TopologyProblem> Errors, IReadOnlyList<TopologyProblem> Warnings, TopologyReport Report)
{
    /// <summary>
    /// FedAvg on a single node runs (the coordinator samples itself: it is its own client), so it is a warning, not an
    /// error: it is a baseline or a smoke test, not federated learning. <c>simulate</c> and <c>start</c> say the same.
    /// </summary>
    public const string OneNodeFedAvg =
        "algorithm fedavg on 1 node: the coordinator is its own only client, so every round trains on that node's data alone and nothing is federated";

    public bool IsUsable => Errors.Count == 0;

    /// <summary>Checks the graph of <paramref name="round"/> (round 0 unless the topology is time-varying).</summary>
    public static TopologyCheck Run(TopologyDocument document, long round = 0, AnalysisOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        var graph = document.GraphForRound(round);
        var report = TopologyAnalyzer.Analyze(graph, options ?? AnalysisOptions.StructureOnly);
        var errors = new List<TopologyProblem>();
        var warnings = new List<TopologyProblem>(document.Warnings);
        warnings.AddRange(report.Warnings.Select(w => new TopologyProblem(w)));

        var algorithm = document.Training?.Algorithm;
        if (TrainingDefaults.IsDPsgd(algorithm) && !graph.IsSymmetric)
        {
            errors.Add(new TopologyProblem($"algorithm {algorithm} needs a symmetric graph (Metropolis-Hastings weights), but {OneWay(graph)}; use push-sum"));
        }

        if (algorithm == "fedavg" && graph.NodeCount < 2)
        {
            warnings.Add(new TopologyProblem(OneNodeFedAvg));
        }

        return new TopologyCheck(errors, warnings, report);
    }

    private static string OneWay(TrustGraph graph)
    {
        foreach (var (truster, trusted) in graph.TrustRelations())
        {
            if (!graph.Trusts(trusted, truster))
            {
                return $"'{graph.NameOf(truster)}' trusts '{graph.NameOf(trusted)}' and not the other way round";
            }
        }

        return "the graph is directed";
    }
}
