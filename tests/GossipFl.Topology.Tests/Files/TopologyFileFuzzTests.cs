using FsCheck;
using FsCheck.Fluent;
using GossipFl.Topology.Files;

namespace GossipFl.Topology.Tests.Files;

/// <summary>Whatever a user writes, the reader either returns a document or throws TopologyException.</summary>
public class TopologyFileFuzzTests
{
    private static readonly string[] Fragments =
    [
        "version: 1\n", "version: 2\n", "version: x\n", "nodes:\n", "  - name: a\n", "  - name: b\n", "    trusts: [a, b]\n",
        "    trusts: [zz]\n", "    trusts: a\n", "    address: \"h:1\"\n", "    fingerprint: x\n", "generator:\n",
        "  name: ring\n", "  name: small-world\n", "  name: one-way-trust\n", "  nodes: 5\n", "  nodes: -1\n", "  nodes: 99999999999\n",
        "  seed: 3\n", "  seed: -3\n", "  time_varying: true\n", "  parameters:\n", "    k: 2\n", "    p: 2\n", "    out_degree: 9\n",
        "  names: [a, b]\n", "training:\n", "  rounds: 0\n", "  algorithm: d-psgd\n", "  learning_rate: 1e400\n", "- x\n", "[", "]", "{", "}",
        ": ", "\t", "&a ", "*a ", "!!str ", "---\n", "...\n", "# c\n", "\"", "'", "? ", "|\n", ">\n", "\n", "  ", "\u00e9", "\0",
    ];

    [Fact]
    public void Parse_RandomFragments_NeverThrowsAnythingButTopologyException()
    {
        var texts = Gen.Elements(Fragments).ArrayOf().Select(parts => string.Concat(parts));
        Properties.Hold(texts, text =>
        {
            try
            {
                var document = TopologyFileReader.Parse(text, "fuzz.yaml");
                _ = TopologyFileWriter.WriteExplicit(document.Graph);
                return true;
            }
            catch (TopologyException ex)
            {
                return ex.Problems.Count > 0 && !string.IsNullOrWhiteSpace(ex.Message);
            }
            catch (Exception ex)
            {
                // Show the input that escaped, escaped itself so control characters stay visible.
                throw new InvalidOperationException("input that escaped: " + System.Text.Json.JsonSerializer.Serialize(text), ex);
            }
        }, cases: 3000);
    }
}
