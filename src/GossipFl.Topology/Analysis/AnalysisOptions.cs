using GossipFl.Topology.Mixing;

namespace GossipFl.Topology.Analysis;

/// <summary>How much work <see cref="TopologyAnalyzer"/> does; the defaults suit an interactive <c>show</c>.</summary>
public sealed record AnalysisOptions
{
    /// <summary>Exact diameter (one BFS per node) up to this many nodes; 0 skips it.</summary>
    public int MaxNodesForDiameter { get; init; } = 20_000;

    /// <summary>
    /// Dense eigen-decomposition up to this many nodes; 0 skips it. The default keeps an interactive
    /// <c>show</c> within seconds even for directed graphs, whose general solver is the slow one
    /// (docs/benchmarks.md); ask for more explicitly.
    /// </summary>
    public int MaxNodesForSpectrum { get; init; } = DefaultMaxNodesForSpectrum;

    public const int DefaultMaxNodesForSpectrum = 1_000;

    /// <summary>The weights whose spectrum is reported; null picks Metropolis–Hastings for symmetric graphs, push-sum otherwise.</summary>
    public MixingScheme? Scheme { get; init; }

    /// <summary>Only structure: degrees, components and warnings (what <c>check</c> needs).</summary>
    public static AnalysisOptions StructureOnly { get; } = new() { MaxNodesForDiameter = 0, MaxNodesForSpectrum = 0 };
}
