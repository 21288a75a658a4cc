using GossipFl.Learning.Simulation;

namespace GossipFl.Learning.Tests.Algorithms;

internal sealed class ListSink : IMetricsSink
{
    public List<RoundMetrics> Rounds { get; } = [];

    public List<NodeMetrics> Nodes { get; } = [];

    public void WriteRound(RoundMetrics metrics) => Rounds.Add(metrics);

    public void WriteNode(NodeMetrics metrics) => Nodes.Add(metrics);
}
