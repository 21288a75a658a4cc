using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Files;

/// <summary>
/// A loaded topology file: its nodes (with address and key hints), how the trust graph comes about, and the
/// optional training defaults. Node indices follow file order (or generation order).
/// </summary>
public sealed class TopologyDocument
{
    private readonly TrustGraph? _explicitGraph;
    private TrustGraph? _staticGraph;

    // The last time-varying round asked for: a round's graph is typically read many times (weights, sends,
    // receives) before the next round; graphs are immutable, so swapping the reference is thread-safe.
    private Tuple<long, TrustGraph>? _lastRound;

    internal TopologyDocument(
        string? path,
        int version,
        string? name,
        IReadOnlyList<NodeInfo> nodes,
        TrustGraph? explicitGraph,
        GeneratedTopology? generated,
        TrainingDefaults? training,
        IReadOnlyList<TopologyProblem> warnings)
    {
        Path = path;
        Version = version;
        Name = name;
        Nodes = nodes;
        _explicitGraph = explicitGraph;
        Generated = generated;
        Training = training;
        Warnings = warnings;
    }

    public string? Path { get; }

    /// <summary>Schema version (currently always 1).</summary>
    public int Version { get; }

    /// <summary>The optional <c>name:</c> of the topology.</summary>
    public string? Name { get; }

    public TopologyKind Kind => Generated is null ? TopologyKind.Explicit : TopologyKind.Generated;

    public IReadOnlyList<NodeInfo> Nodes { get; }

    /// <summary>The generator request, for generated files.</summary>
    public GeneratedTopology? Generated { get; }

    public TrainingDefaults? Training { get; }

    /// <summary>Things in the file that are legal but probably not meant (e.g. a node listing itself).</summary>
    public IReadOnlyList<TopologyProblem> Warnings { get; }

    public bool IsTimeVarying => Generated?.TimeVarying == true;

    /// <summary>The trust graph of a static topology, or of round 0 of a time-varying one.</summary>
    public TrustGraph Graph => GraphForRound(0);

    /// <summary>The trust graph in force during <paramref name="round"/> (the same for every round unless time-varying).</summary>
    public TrustGraph GraphForRound(long round)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        if (_explicitGraph is not null)
        {
            return _explicitGraph;
        }

        if (Generated!.TimeVarying)
        {
            if (_lastRound is { } cached && cached.Item1 == round)
            {
                return cached.Item2;
            }

            var graph = Generated.GraphFor(round);
            _lastRound = Tuple.Create(round, graph);
            return graph;
        }

        _staticGraph ??= Generated.GraphFor(0);
        return _staticGraph;
    }
}
