namespace GossipFl.Learning.Simulation;

/// <summary>Where a run's metrics go as they are produced (files, a test's list, nowhere).</summary>
public interface IMetricsSink
{
    void WriteRound(RoundMetrics metrics);

    void WriteNode(NodeMetrics metrics);
}
