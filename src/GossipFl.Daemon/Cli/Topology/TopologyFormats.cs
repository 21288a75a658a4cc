using System.Globalization;
using System.Text;
using System.Text.Json;
using GossipFl.Topology.Analysis;
using GossipFl.Topology.Files;
using GossipFl.Topology.Mixing;

namespace GossipFl.Daemon.Cli.Topology;

/// <summary>Renders a topology and its analysis as text, Graphviz DOT or JSON.</summary>
internal static class TopologyFormats
{
    public static readonly string[] SchemeNames = ["push-sum", "metropolis-hastings", "row-stochastic"];

    public static MixingScheme ParseScheme(string name) => name switch
    {
        "push-sum" => MixingScheme.PushSum,
        "metropolis-hastings" => MixingScheme.MetropolisHastings,
        "row-stochastic" => MixingScheme.RowStochastic,
        _ => throw new UsageException($"unknown weights '{name}'; use one of {string.Join(", ", SchemeNames)}"),
    };

    public static string SchemeName(MixingScheme scheme) => SchemeNames[(int)scheme];

    public static void WriteText(TextWriter output, TopologyDocument document, TopologyReport report, long round, IReadOnlyList<string> warnings)
    {
        var graph = report.Graph;
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"topology:           {document.Name ?? Path.GetFileNameWithoutExtension(document.Path) ?? "(unnamed)"}");
        output.WriteLine($"source:             {Source(document, round)}");
        output.WriteLine(string.Create(c, $"nodes:              {report.NodeCount}"));
        output.WriteLine(string.Create(c, $"trust relations:    {report.EdgeCount} (plus a self-loop at every node)"));
        output.WriteLine($"symmetric:          {(report.IsSymmetric ? "yes" : "no")}");
        output.WriteLine(string.Create(c, $"strongly connected: {(report.IsStronglyConnected ? "yes" : $"no ({report.Components.Count} components)")}"));
        output.WriteLine($"diameter:           {Diameter(report)}");
        output.WriteLine(string.Create(c, $"in-degree:          min {report.InDegrees.Minimum}, max {report.InDegrees.Maximum}, mean {report.InDegrees.Mean:0.##}"));
        output.WriteLine(string.Create(c, $"out-degree:         min {report.OutDegrees.Minimum}, max {report.OutDegrees.Maximum}, mean {report.OutDegrees.Mean:0.##}"));
        output.WriteLine(report.Spectrum is { } s
            ? string.Create(c, $"spectral gap:       {s.SpectralGap:0.######} (SLEM {s.Slem:0.######}, {SchemeName(report.Scheme!.Value)} weights)")
                + (report.SpectrumPredictsConsensus ? "" : "; does not predict consensus: not strongly connected")
            : $"spectral gap:       not computed ({report.SpectrumSkipped})");
        foreach (var warning in warnings)
        {
            output.WriteLine("warning: " + warning);
        }

        output.WriteLine();
        var width = Math.Max(4, graph.Names.Max(n => n.Length));
        output.WriteLine($"{"node".PadRight(width)}  trusts (receives from)  ->  followers (sends to)");
        for (var i = 0; i < graph.NodeCount; i++)
        {
            var trusts = string.Join(", ", graph.Trusted(i).ToArray().Select(graph.NameOf));
            var followers = string.Join(", ", graph.Followers(i).ToArray().Select(graph.NameOf));
            output.WriteLine($"{graph.NameOf(i).PadRight(width)}  [{trusts}]  ->  [{followers}]");
        }
    }

    /// <summary>
    /// Graphviz: an arrow j -> i means i trusts j (models flow along arrows). Mutual trust is drawn once with
    /// arrowheads at both ends, so symmetric graphs stay readable.
    /// </summary>
    public static void WriteDot(TextWriter output, TopologyDocument document, TopologyReport report)
    {
        var graph = report.Graph;
        output.WriteLine($"digraph {Quote(document.Name ?? "topology")} {{");
        output.WriteLine("  // An arrow a -> b means b trusts a: b accepts a's parameters (information flows a -> b).");
        output.WriteLine("  node [shape=ellipse];");
        for (var i = 0; i < graph.NodeCount; i++)
        {
            output.WriteLine($"  {Quote(graph.NameOf(i))};");
        }

        for (var source = 0; source < graph.NodeCount; source++)
        {
            foreach (var target in graph.Followers(source))
            {
                var mutual = graph.Trusts(source, target);
                if (mutual && target < source)
                {
                    continue;
                }

                output.WriteLine($"  {Quote(graph.NameOf(source))} -> {Quote(graph.NameOf(target))}{(mutual ? " [dir=both]" : "")};");
            }
        }

        output.WriteLine("}");
    }

    public static void WriteJson(TextWriter output, TopologyDocument document, TopologyReport report, long round, IReadOnlyList<string> warnings)
    {
        var graph = report.Graph;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("name", document.Name);
            json.WriteString("kind", document.Kind == TopologyKind.Generated ? "generated" : "explicit");
            if (document.Generated is { } generated)
            {
                json.WriteString("generator", generated.Generator.Name);
                json.WriteNumber("seed", generated.Seed);
                json.WriteBoolean("time_varying", generated.TimeVarying);
            }

            json.WriteNumber("round", round);
            json.WriteNumber("node_count", report.NodeCount);
            json.WriteNumber("edge_count", report.EdgeCount);
            json.WriteBoolean("symmetric", report.IsSymmetric);
            json.WriteBoolean("strongly_connected", report.IsStronglyConnected);
            json.WriteNumber("components", report.Components.Count);
            if (report.Diameter is { } diameter)
            {
                json.WriteNumber("diameter", diameter);
            }
            else
            {
                json.WriteNull("diameter");
            }

            WriteDegrees(json, "in_degree", report.InDegrees);
            WriteDegrees(json, "out_degree", report.OutDegrees);
            if (report.Spectrum is { } spectrum)
            {
                json.WriteStartObject("spectrum");
                json.WriteString("weights", SchemeName(report.Scheme!.Value));
                json.WriteNumber("slem", spectrum.Slem);
                json.WriteNumber("spectral_gap", spectrum.SpectralGap);
                json.WriteBoolean("predicts_consensus", report.SpectrumPredictsConsensus);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("spectrum");
            }

            json.WriteStartArray("warnings");
            foreach (var warning in warnings)
            {
                json.WriteStringValue(warning);
            }

            json.WriteEndArray();
            json.WriteStartArray("nodes");
            for (var i = 0; i < graph.NodeCount; i++)
            {
                json.WriteStartObject();
                json.WriteString("name", graph.NameOf(i));
                WriteNames(json, "trusts", graph.Trusted(i).ToArray(), graph.NameOf);
                WriteNames(json, "followers", graph.Followers(i).ToArray(), graph.NameOf);
                var info = i < document.Nodes.Count ? document.Nodes[i] : null;
                if (info?.Address is { } address)
                {
                    json.WriteString("address", address);
                }

                if (info?.Fingerprint is { } fingerprint)
                {
                    json.WriteString("fingerprint", fingerprint);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteDegrees(Utf8JsonWriter json, string name, DegreeStatistics degrees)
    {
        json.WriteStartObject(name);
        json.WriteNumber("min", degrees.Minimum);
        json.WriteNumber("max", degrees.Maximum);
        json.WriteNumber("mean", degrees.Mean);
        json.WriteEndObject();
    }

    private static void WriteNames(Utf8JsonWriter json, string name, int[] nodes, Func<int, string> nameOf)
    {
        json.WriteStartArray(name);
        foreach (var node in nodes)
        {
            json.WriteStringValue(nameOf(node));
        }

        json.WriteEndArray();
    }

    private static string Source(TopologyDocument document, long round)
    {
        if (document.Generated is not { } generated)
        {
            return "explicit trust lists";
        }

        var parameters = string.Join(", ", generated.Arguments.Values.Select(
            v => v.Key + "=" + generated.Generator.Parameters.First(p => p.Name == v.Key).Format(v.Value)));
        var text = $"generator {generated.Generator.Name}" + (parameters.Length > 0 ? $" ({parameters})" : "");
        if (generated.Generator.IsRandom)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", seed {generated.Seed}");
        }

        return generated.TimeVarying ? text + string.Create(CultureInfo.InvariantCulture, $", time-varying: round {round}") : text;
    }

    private static string Diameter(TopologyReport report) => report switch
    {
        { DiameterComputed: false } => "not computed (too many nodes)",
        { Diameter: { } d } => d.ToString(CultureInfo.InvariantCulture),
        _ => "infinite (not strongly connected)",
    };

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
