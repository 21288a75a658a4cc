namespace GossipFl.Topology.Analysis;

/// <summary>
/// Spectrum summary of a mixing matrix. <see cref="Slem"/> is the second-largest eigenvalue modulus; after t
/// gossip steps the distance to consensus shrinks roughly like Slem^t, so <see cref="SpectralGap"/> = 1 - Slem
/// near 0 means slow agreement and near 1 fast (a complete graph with uniform weights has gap 1).
/// </summary>
public sealed record SpectralResult(double LargestModulus, double Slem, TimeSpan Elapsed)
{
    public double SpectralGap => 1.0 - Slem;

    public SpectralMethod Method { get; init; }
}
