namespace GossipFl.Topology.Files;

/// <summary>Whether a file lists its trust relations or names a generator.</summary>
public enum TopologyKind
{
    Explicit = 0,
    Generated = 1,
}
