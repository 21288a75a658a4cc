using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Analysis;

/// <summary>Minimum, maximum and mean of a degree sequence (self-loops not counted).</summary>
public sealed record DegreeStatistics(int Minimum, int Maximum, double Mean)
{
    public static DegreeStatistics InDegrees(TrustGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Of(graph.NodeCount, graph.InDegree);
    }

    public static DegreeStatistics OutDegrees(TrustGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Of(graph.NodeCount, graph.OutDegree);
    }

    private static DegreeStatistics Of(int n, Func<int, int> degree)
    {
        if (n == 0)
        {
            return new DegreeStatistics(0, 0, 0);
        }

        int min = int.MaxValue, max = 0;
        long sum = 0;
        for (var i = 0; i < n; i++)
        {
            var d = degree(i);
            min = Math.Min(min, d);
            max = Math.Max(max, d);
            sum += d;
        }

        return new DegreeStatistics(min, max, (double)sum / n);
    }
}
