using FsCheck;
using FsCheck.Fluent;
using GossipFl.Topology.Generation;
using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Tests;

/// <summary>Random graphs for properties: any generator, size, parameters and seed.</summary>
internal static class TestGraphs
{
    public static TrustGraph Make(string generator, int n, ulong seed, params (string Name, double Value)[] parameters)
    {
        var g = GraphGenerators.Get(generator);
        return g.Generate(n, new GeneratorArguments(g, parameters.ToDictionary(p => p.Name, p => p.Value)), seed);
    }

    /// <summary>Directed graphs of 1-40 nodes, some strongly connected, some not, some with isolated nodes.</summary>
    public static Gen<TrustGraph> Directed { get; } =
        Gen.Choose(1, 40).SelectMany(n => Gen.Choose(0, 100).SelectMany(p => Properties.Seeds.Select(
            seed => Make("erdos-renyi", n, seed, ("p", p / 200.0), ("directed", 1)))));

    /// <summary>Symmetric graphs of 1-40 nodes, connected or not.</summary>
    public static Gen<TrustGraph> Symmetric { get; } =
        Gen.Choose(1, 40).SelectMany(n => Gen.Choose(0, 100).SelectMany(p => Properties.Seeds.Select(
            seed => Make("erdos-renyi", n, seed, ("p", p / 200.0)))));
}
