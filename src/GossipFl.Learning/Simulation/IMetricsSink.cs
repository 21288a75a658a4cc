namespace GossipFl.Learning.Simulation;

/// <summary>Where a run's metrics go as they are produced (files, a test's list, nowhere).</summary>
public interface IMetricsSink
{
    void WriteRound(RoundMetrics metrics);

    void WriteNode(NodeMetrics metrics);

    /// <summary>A peer's totals at the end of a run with a robust rule or an attack (a "peer" line of metrics.jsonl).</summary>
    void WritePeer(PeerTotals totals)
    {
    }
}
