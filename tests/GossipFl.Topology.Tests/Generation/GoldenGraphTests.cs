using System.Security.Cryptography;
using System.Text;
using GossipFl.Topology.Files;
using GossipFl.Topology.Generation;
using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Tests.Generation;

/// <summary>
/// The seed -> graph mapping is a protocol constant: peers in different processes, on different machines and
/// .NET versions, must derive identical graphs. These digests were computed once and must never change; if
/// one does, every deployed peer would disagree with the new build about who trusts whom.
/// </summary>
public class GoldenGraphTests
{
    /// <summary>SHA-256 over "truster trusted\n" lines in index order, first 16 hex digits.</summary>
    internal static string Digest(TrustGraph graph)
    {
        var text = new StringBuilder();
        foreach (var (truster, trusted) in graph.TrustRelations())
        {
            text.Append(truster).Append(' ').Append(trusted).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(text.ToString())))[..16];
    }

    private static TrustGraph Generate(string generator, int n, ulong seed, params (string, double)[] parameters) =>
        GraphGenerators.Get(generator).Generate(n, new GeneratorArguments(GraphGenerators.Get(generator), parameters.ToDictionary(p => p.Item1, p => p.Item2)), seed);

    [Theory]
    [InlineData("small-world", 100, 42UL, "0dc5309fc3958d8c")]
    [InlineData("erdos-renyi", 100, 42UL, "38f7c4ab88862d9d")]
    [InlineData("one-way-trust", 100, 42UL, "8a9d01bcbef52771")]
    [InlineData("small-world", 1000, 18446744073709551615UL, "7b0572d76bd7c89c")]
    public void Generate_FixedSeed_GivesThePinnedGraph(string generator, int n, ulong seed, string digest)
    {
        var graph = generator switch
        {
            "small-world" => Generate(generator, n, seed, ("k", 6), ("p", 0.25)),
            "erdos-renyi" => Generate(generator, n, seed, ("p", 0.05), ("directed", 1)),
            _ => Generate(generator, n, seed, ("base_degree", 2), ("out_degree", 3)),
        };
        Assert.Equal(digest, Digest(graph));
    }

    [Fact]
    public void TimeVarying_RoundsDifferButEachRoundIsReproducible()
    {
        var document = TopologyFileReader.Parse(
            "version: 1\ngenerator:\n  name: erdos-renyi\n  nodes: 30\n  seed: 5\n  time_varying: true\n  parameters: { p: 0.2 }\n");
        var again = TopologyFileReader.Parse(
            "version: 1\ngenerator:\n  name: erdos-renyi\n  nodes: 30\n  seed: 5\n  time_varying: true\n  parameters: { p: 0.2 }\n");
        Assert.True(document.IsTimeVarying);
        var digests = Enumerable.Range(0, 20).Select(r => Digest(document.GraphForRound(r))).ToArray();
        Assert.Equal(digests, Enumerable.Range(0, 20).Select(r => Digest(again.GraphForRound(r))));
        Assert.Equal(20, digests.Distinct().Count());
        Assert.Equal("a5dd27ff5f565e8c", digests[7]);
    }

    [Fact]
    public void Static_GeneratedTopology_IsTheSameEveryRound()
    {
        var document = TopologyFileReader.Parse("version: 1\ngenerator:\n  name: small-world\n  nodes: 30\n  seed: 5\n");
        Assert.Same(document.GraphForRound(0), document.GraphForRound(17));
    }
}
