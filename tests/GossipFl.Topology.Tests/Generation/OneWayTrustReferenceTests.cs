using GossipFl.Topology.Generation;
using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Tests.Generation;

/// <summary>
/// The one-way-trust generator builds its graph without hash sets or a global sort (it is redrawn every round of
/// a time-varying run); it must still give exactly the graph of the straightforward construction kept here, which
/// is how it was written before: Watts–Strogatz base as hash sets, followers by rejection, TrustGraphBuilder.
/// </summary>
public sealed class OneWayTrustReferenceTests
{
    [Theory]
    [InlineData(4096, 8, 8, 0.0, 1UL)]
    [InlineData(4096, 8, 8, 0.0, 0x9E3779B97F4A7C15UL)]
    [InlineData(100, 2, 3, 0.0, 42UL)]
    [InlineData(5, 2, 2, 0.0, 3UL)]
    [InlineData(9, 4, 4, 0.0, 7UL)]
    [InlineData(300, 6, 20, 0.0, 11UL)]
    [InlineData(300, 4, 4, 0.3, 11UL)]
    [InlineData(64, 4, 4, 1.0, 5UL)]
    public void Generate_GivesTheReferenceConstructionsGraph(int n, int baseDegree, int outDegree, double p, ulong seed)
    {
        var generator = new OneWayTrustGenerator();
        var arguments = new GeneratorArguments(generator, new Dictionary<string, double>
        {
            ["base_degree"] = baseDegree,
            ["out_degree"] = outDegree,
            ["p"] = p,
        });
        for (var round = 0UL; round < 3; round++)
        {
            var graph = generator.Generate(n, arguments, seed + round);
            var reference = Reference(TrustGraphBuilder.DefaultNames(n), baseDegree, outDegree, p, seed + round);
            Assert.Equal(reference.TrustRelations().ToArray(), graph.TrustRelations().ToArray());
            for (var node = 0; node < n; node++)
            {
                Assert.Equal(reference.Followers(node).ToArray(), graph.Followers(node).ToArray());
                Assert.Equal(reference.Trusted(node).ToArray(), graph.Trusted(node).ToArray());
            }
        }
    }

    private static TrustGraph Reference(string[] names, int baseDegree, int outDegree, double p, ulong seed)
    {
        var n = names.Length;
        var (adjacent, random) = WattsStrogatz.DrawConnected(n, baseDegree, p, seed, maxDegree: n - 1 - outDegree)!.Value;
        var builder = new TrustGraphBuilder(names);
        for (var u = 0; u < n; u++)
        {
            foreach (var v in adjacent[u])
            {
                builder.AddTrust(u, v);
            }
        }

        var chosen = new HashSet<int>();
        for (var u = 0; u < n; u++)
        {
            chosen.Clear();
            while (chosen.Count < outDegree)
            {
                var follower = random.NextInt(n);
                if (follower != u && !adjacent[u].Contains(follower) && chosen.Add(follower))
                {
                    builder.AddTrust(follower, u);
                }
            }
        }

        return builder.Build();
    }
}
