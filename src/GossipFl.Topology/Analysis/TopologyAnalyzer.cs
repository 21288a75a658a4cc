using GossipFl.Topology.Graph;
using GossipFl.Topology.Mixing;

namespace GossipFl.Topology.Analysis;

/// <summary>Runs every analysis on a trust graph and collects warnings in a fixed order.</summary>
public static class TopologyAnalyzer
{
    /// <summary>At most this many nodes are named in one warning; the rest are counted.</summary>
    private const int NamesPerWarning = 5;

    public static TopologyReport Analyze(TrustGraph graph, AnalysisOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        options ??= new AnalysisOptions();
        var components = StronglyConnectedComponents.Compute(graph);
        var warnings = new List<string>();

        if (!components.IsStronglyConnected)
        {
            warnings.Add($"the graph is not strongly connected ({components.Count} strongly connected components): "
                + "some nodes never receive others' parameters, so push-sum cannot reach consensus");
        }

        var isolated = Enumerable.Range(0, graph.NodeCount).Where(i => graph.InDegree(i) == 0).ToArray();
        if (isolated.Length > 0 && graph.NodeCount > 1)
        {
            warnings.Add(isolated.Length == 1
                ? $"1 node trusts no one and learns only from its own data: {Names(graph, isolated)}"
                : $"{Count(isolated.Length, "node")} trust no one and learn only from their own data: {Names(graph, isolated)}");
        }

        var unheard = Enumerable.Range(0, graph.NodeCount).Where(i => graph.OutDegree(i) == 0).ToArray();
        if (unheard.Length > 0 && graph.NodeCount > 1)
        {
            warnings.Add(unheard.Length == 1
                ? $"1 node is trusted by no one, so its data reaches no other model: {Names(graph, unheard)}"
                : $"{Count(unheard.Length, "node")} are trusted by no one, so their data reaches no other model: {Names(graph, unheard)}");
        }

        int? diameter = null;
        var diameterComputed = false;
        if (graph.NodeCount <= options.MaxNodesForDiameter)
        {
            diameter = components.IsStronglyConnected ? GraphDistances.Diameter(graph, cancellationToken) : null;
            diameterComputed = true;
        }

        var scheme = options.Scheme ?? (graph.IsSymmetric ? MixingScheme.MetropolisHastings : MixingScheme.PushSum);
        SpectralResult? spectrum = null;
        string? skipped = null;
        if (options.MaxNodesForSpectrum == 0)
        {
            skipped = "not requested";
        }
        else if (graph.NodeCount > options.MaxNodesForSpectrum)
        {
            skipped = $"{graph.NodeCount} nodes exceed the limit of {options.MaxNodesForSpectrum} for dense eigen-decomposition; raise it with --spectral-limit";
        }
        else if (scheme == MixingScheme.MetropolisHastings && !graph.IsSymmetric)
        {
            skipped = "Metropolis-Hastings weights need a symmetric graph";
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
            spectrum = SpectralAnalysis.Analyze(MixingWeights.Build(graph, scheme), int.MaxValue);
        }

        return new TopologyReport
        {
            Graph = graph,
            InDegrees = DegreeStatistics.InDegrees(graph),
            OutDegrees = DegreeStatistics.OutDegrees(graph),
            Components = components,
            Diameter = diameter,
            DiameterComputed = diameterComputed,
            Scheme = spectrum is null ? null : scheme,
            Spectrum = spectrum,
            SpectrumSkipped = skipped,
            Warnings = warnings,
        };
    }

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static string Names(TrustGraph graph, int[] nodes)
    {
        var named = string.Join(", ", nodes.Take(NamesPerWarning).Select(graph.NameOf));
        return nodes.Length > NamesPerWarning ? $"{named} and {nodes.Length - NamesPerWarning} more" : named;
    }
}
