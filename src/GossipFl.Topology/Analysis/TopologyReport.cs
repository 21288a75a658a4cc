using GossipFl.Topology.Graph;
using GossipFl.Topology.Mixing;

namespace GossipFl.Topology.Analysis;

/// <summary>
/// What analysis found out about one trust graph: sizes, degrees, connectivity, diameter, the spectrum of a
/// mixing matrix, and warnings about shapes that stop peers from agreeing. Fields that were not computed
/// (too large, or not asked for) are null.
/// </summary>
public sealed record TopologyReport
{
    public required TrustGraph Graph { get; init; }

    public int NodeCount => Graph.NodeCount;

    public int EdgeCount => Graph.EdgeCount;

    public bool IsSymmetric => Graph.IsSymmetric;

    public required DegreeStatistics InDegrees { get; init; }

    public required DegreeStatistics OutDegrees { get; init; }

    public required StronglyConnectedComponents Components { get; init; }

    public bool IsStronglyConnected => Components.IsStronglyConnected;

    /// <summary>Longest shortest path in hops; null when not strongly connected or not computed.</summary>
    public int? Diameter { get; init; }

    public bool DiameterComputed { get; init; }

    public MixingScheme? Scheme { get; init; }

    public SpectralResult? Spectrum { get; init; }

    /// <summary>
    /// True when <see cref="Spectrum"/> predicts how fast peers agree: only on a strongly connected graph
    /// (see <see cref="SpectralAnalysis.Analyze"/> for how the gap misleads otherwise).
    /// </summary>
    public bool SpectrumPredictsConsensus => Spectrum is not null && IsStronglyConnected;

    /// <summary>Why the spectrum is missing, when it is.</summary>
    public string? SpectrumSkipped { get; init; }

    public required IReadOnlyList<string> Warnings { get; init; }
}
