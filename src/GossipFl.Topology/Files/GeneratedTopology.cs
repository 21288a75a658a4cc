using GossipFl.Topology.Generation;
using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Files;

/// <summary>
/// A generator request: which generator, how many nodes, its parameters and seed, optional node names, and
/// whether the graph is re-drawn every round. A time-varying topology's graph for round r is generated from
/// <see cref="DeterministicRandom.SeedForRound"/>(seed, r), so every peer derives the same graph for the
/// same round without talking to anyone; a static one always uses the seed itself.
/// </summary>
public sealed class GeneratedTopology
{
    private readonly string[] _names;

    public GeneratedTopology(GeneratorArguments arguments, int nodeCount, ulong seed, bool timeVarying = false, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (timeVarying && !arguments.Generator.IsRandom)
        {
            throw new TopologyException($"generator '{arguments.Generator.Name}' draws no random numbers, so time_varying would give the same graph every round");
        }

        if (names is not null && names.Count != nodeCount)
        {
            throw new TopologyException($"{names.Count} names given for {nodeCount} nodes");
        }

        Arguments = arguments;
        NodeCount = nodeCount;
        Seed = seed;
        TimeVarying = timeVarying;
        HasCustomNames = names is not null;
        _names = names is null ? TrustGraphBuilder.DefaultNames(Math.Max(nodeCount, 0)) : [.. names];
    }

    public GraphGenerator Generator => Arguments.Generator;

    public GeneratorArguments Arguments { get; }

    public int NodeCount { get; }

    public ulong Seed { get; }

    public bool TimeVarying { get; }

    /// <summary>True when the file named the nodes rather than using node-0..node-(n-1).</summary>
    public bool HasCustomNames { get; }

    public IReadOnlyList<string> Names => _names;

    /// <summary>The seed that generates round <paramref name="round"/>'s graph.</summary>
    public ulong SeedFor(long round) => TimeVarying ? DeterministicRandom.SeedForRound(Seed, round) : Seed;

    public TrustGraph GraphFor(long round) => Generator.Generate(_names, Arguments, SeedFor(round));
}
