using FsCheck.Fluent;
using GossipFl.Topology.Files;
using GossipFl.Topology.Generation;

namespace GossipFl.Topology.Tests.Files;

public class TopologyFileWriterTests
{
    [Fact]
    public void WriteExplicit_ThenParse_GivesTheSameGraph()
    {
        Properties.Hold(TestGraphs.Directed, graph =>
        {
            var parsed = TopologyFileReader.Parse(TopologyFileWriter.WriteExplicit(graph, comment: "round trip")).Graph;
            return parsed.Names.SequenceEqual(graph.Names) && parsed.TrustRelations().SequenceEqual(graph.TrustRelations());
        }, cases: 100);
    }

    [Fact]
    public void WriteGenerated_ThenParse_GivesTheSameRecipeAndGraph()
    {
        var cases = Gen.Elements("small-world", "erdos-renyi", "one-way-trust").SelectMany(
            name => Gen.Choose(8, 40).SelectMany(n => Properties.Seeds.Select(seed => (name, n, seed))));
        Properties.Hold(cases, c =>
        {
            var generator = GraphGenerators.Get(c.name);
            var original = new GeneratedTopology(new GeneratorArguments(generator, new Dictionary<string, double>()), c.n, c.seed, timeVarying: true);
            var parsed = TopologyFileReader.Parse(TopologyFileWriter.WriteGenerated(original)).Generated!;
            return parsed.Seed == c.seed && parsed.TimeVarying && parsed.NodeCount == c.n
                && parsed.GraphFor(3).TrustRelations().SequenceEqual(original.GraphFor(3).TrustRelations());
        }, cases: 60);
    }

    [Fact]
    public void WriteExplicit_KeepsAddressesAndFingerprints()
    {
        var document = TopologyFileReader.Load(RepoPaths.Topology("friends.yaml"));
        var again = TopologyFileReader.Parse(TopologyFileWriter.WriteExplicit(document.Graph, document.Nodes));
        Assert.Equal(document.Nodes, again.Nodes);
    }

    [Fact]
    public void WriteGenerated_CustomNames_AreWrittenAndReadBack()
    {
        var generator = GraphGenerators.Get("ring");
        var original = new GeneratedTopology(new GeneratorArguments(generator, new Dictionary<string, double>()), 3, 0, names: ["x", "y", "z"]);
        var text = TopologyFileWriter.WriteGenerated(original);
        Assert.Contains("names: [x, y, z]", text, StringComparison.Ordinal);
        Assert.Equal(["x", "y", "z"], TopologyFileReader.Parse(text).Graph.Names);
    }
}
