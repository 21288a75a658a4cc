using System.Globalization;
using System.Text;
using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Files;

/// <summary>
/// Writes topology files that <see cref="TopologyFileReader"/> reads back to the same graph. The YAML is
/// written by hand, not serialised, so the layout (key order, flow-style trust lists) stays stable and
/// readable; node names are restricted to characters that need no quoting.
/// </summary>
public static class TopologyFileWriter
{
    /// <summary>A generated topology: the recipe, not the edges, so peers re-derive the graph.</summary>
    public static string WriteGenerated(GeneratedTopology generated, string? comment = null)
    {
        ArgumentNullException.ThrowIfNull(generated);
        var text = new StringBuilder();
        AppendComment(text, comment);
        text.Append("version: ").Append(TopologyFileReader.CurrentVersion).Append('\n');
        text.Append("generator:\n");
        text.Append("  name: ").Append(generated.Generator.Name).Append('\n');
        text.Append("  nodes: ").Append(generated.NodeCount.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("  seed: ").Append(generated.Seed.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (generated.TimeVarying)
        {
            text.Append("  time_varying: true\n");
        }

        var parameters = generated.Arguments.Values.ToArray();
        if (parameters.Length > 0)
        {
            text.Append("  parameters:\n");
            foreach (var (name, value) in parameters)
            {
                var parameter = generated.Generator.Parameters.First(p => p.Name == name);
                text.Append("    ").Append(name).Append(": ").Append(parameter.Format(value)).Append('\n');
            }
        }

        if (generated.HasCustomNames)
        {
            text.Append("  names: [").Append(string.Join(", ", generated.Names)).Append("]\n");
        }

        return text.ToString();
    }

    /// <summary>The graph written out as explicit trust lists (for editing by hand), nodes in index order.</summary>
    public static string WriteExplicit(TrustGraph graph, IReadOnlyList<NodeInfo>? nodes = null, string? comment = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var text = new StringBuilder();
        AppendComment(text, comment);
        text.Append("version: ").Append(TopologyFileReader.CurrentVersion).Append('\n');
        text.Append("nodes:\n");
        for (var i = 0; i < graph.NodeCount; i++)
        {
            text.Append("  - name: ").Append(graph.NameOf(i)).Append('\n');
            var trusted = graph.Trusted(i).ToArray().Select(graph.NameOf);
            text.Append("    trusts: [").Append(string.Join(", ", trusted)).Append("]\n");
            var info = nodes is not null && i < nodes.Count ? nodes[i] : null;
            if (info?.Address is { } address)
            {
                text.Append("    address: \"").Append(address).Append("\"\n");
            }

            if (info?.Fingerprint is { } fingerprint)
            {
                text.Append("    fingerprint: ").Append(fingerprint).Append('\n');
            }
        }

        return text.ToString();
    }

    private static void AppendComment(StringBuilder text, string? comment)
    {
        if (string.IsNullOrEmpty(comment))
        {
            return;
        }

        foreach (var line in comment.Split('\n'))
        {
            text.Append("# ").Append(line.TrimEnd('\r')).Append('\n');
        }
    }
}
