namespace GossipFl.Topology.Generation;

/// <summary>The catalogue of generators, by name.</summary>
public static class GraphGenerators
{
    private static readonly GraphGenerator[] Known =
    [
        new RingGenerator(),
        new DirectedRingGenerator(),
        new CompleteGenerator(),
        new StarGenerator(),
        new ExponentialGenerator(),
        new SmallWorldGenerator(),
        new ErdosRenyiGenerator(),
        new OneWayTrustGenerator(),
    ];

    public static IReadOnlyList<GraphGenerator> All => Known;

    public static IEnumerable<string> Names => Known.Select(g => g.Name);

    public static bool TryGet(string name, out GraphGenerator generator)
    {
        generator = Known.FirstOrDefault(g => string.Equals(g.Name, name, StringComparison.Ordinal))!;
        return generator is not null;
    }

    public static GraphGenerator Get(string name) => TryGet(name, out var generator)
        ? generator
        : throw new TopologyException($"unknown generator '{name}'; known generators: {string.Join(", ", Names)}");
}
