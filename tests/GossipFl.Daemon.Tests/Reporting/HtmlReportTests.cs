using System.Text.RegularExpressions;
using GossipFl.Daemon.Reporting;
using GossipFl.Topology.Files;

namespace GossipFl.Daemon.Tests.Reporting;

public sealed partial class HtmlReportTests
{
    private const string DirectedRing = """
        version: 1
        nodes:
          - { name: node-0, trusts: [node-1] }
          - { name: node-1, trusts: [node-2] }
          - { name: node-2, trusts: [node-3] }
          - { name: node-3, trusts: [node-0] }
        """;

    [Fact]
    public void Build_SampleRun_HasEveryChartWithOneLinePerPeerPlusTheMean()
    {
        using var sample = new SampleRun();

        var html = HtmlReport.Build(MetricsReader.Read(sample.Path), graph: null);

        foreach (var id in (string[])["chart-accuracy", "chart-loss", "chart-consensus", "chart-regret"])
        {
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        }

        var accuracyChart = ChartMarkup().Match(html[html.IndexOf("id=\"chart-accuracy\"", StringComparison.Ordinal)..]).Value;
        Assert.Equal(5, SeriesPath().Count(accuracyChart));
        Assert.Contains("data-series=\"mean\"", accuracyChart, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DaemonRun_TakesTrainingLossFromThePeersAndConsensusFromTheirFinalModels()
    {
        // A daemon run: one directory per node with node lines only (no round lines), and each node's final model.
        var root = Directory.CreateTempSubdirectory("gossipfl-daemon-run-").FullName;
        try
        {
            foreach (var (node, loss, weight) in new[] { ("a", 0.25, 1f), ("b", 0.75, 3f) })
            {
                var directory = Directory.CreateDirectory(Path.Combine(root, node)).FullName;
                File.WriteAllText(Path.Combine(directory, "metrics.jsonl"),
                    $"{{\"kind\":\"node\",\"round\":4,\"node\":\"{node}\",\"train_loss\":{loss.ToString(System.Globalization.CultureInfo.InvariantCulture)},\"test_loss\":null,\"test_accuracy\":null,\"weight\":1,\"bytes_sent\":0,\"bytes_received\":0}}\n");
                GossipFl.Learning.Models.SafeTensorsFile.Write(Path.Combine(directory, "final.safetensors"),
                    [GossipFl.Learning.Models.SafeTensor.FromFloats("w", [2], [weight, 0f])], new Dictionary<string, string> { ["gossipfl.round"] = "4" });
            }

            var html = HtmlReport.Build(MetricsReader.Read(root), graph: null);

            // Models (1, 0) and (3, 0): mean (2, 0), each 1 away squared.
            Assert.Contains("<th>final mean training loss</th><td>0.5000</td>", html, StringComparison.Ordinal);
            Assert.Contains("<th>final consensus distance</th><td>1e0</td>", html, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Build_RunWithPeerCounts_ListsPeersByTimesClipped_AttackersMarked_SummedOverDaemons()
    {
        var root = Directory.CreateTempSubdirectory("gossipfl-robust-run-").FullName;
        try
        {
            // Two daemons each report what their own rule did; the simulator would also mark attackers.
            foreach (var (node, lines) in new[]
            {
                ("a", "{\"kind\":\"peer\",\"node\":\"b\",\"clipped\":1,\"discarded\":0}\n{\"kind\":\"peer\",\"node\":\"c\",\"clipped\":2,\"discarded\":7}\n"),
                ("b", "{\"kind\":\"peer\",\"node\":\"a\",\"clipped\":0,\"discarded\":0}\n{\"kind\":\"peer\",\"node\":\"c\",\"clipped\":0,\"discarded\":9,\"attacker\":true}\n"),
            })
            {
                var directory = Directory.CreateDirectory(Path.Combine(root, node)).FullName;
                File.WriteAllText(Path.Combine(directory, "metrics.jsonl"),
                    $"{{\"kind\":\"node\",\"round\":4,\"node\":\"{node}\",\"train_loss\":0.5,\"test_loss\":null,\"test_accuracy\":null,\"weight\":1,\"bytes_sent\":0,\"bytes_received\":0}}\n" + lines);
            }

            var html = HtmlReport.Build(MetricsReader.Read(root), graph: null);

            var table = html[html.IndexOf("<h2>Robust aggregation</h2>", StringComparison.Ordinal)..];
            Assert.Contains("<tr class=\"attacker\"><td>c</td><td><strong>attacker</strong></td><td>2</td><td>16</td></tr>", table, StringComparison.Ordinal);
            Assert.True(table.IndexOf("<td>c</td>", StringComparison.Ordinal) < table.IndexOf("<td>b</td>", StringComparison.Ordinal));
            Assert.True(table.IndexOf("<td>b</td>", StringComparison.Ordinal) < table.IndexOf("<td>a</td>", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Build_RunWithoutPeerCounts_HasNoRobustnessSection()
    {
        using var sample = new SampleRun();
        Assert.DoesNotContain("Robust aggregation", HtmlReport.Build(MetricsReader.Read(sample.Path), graph: null), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_PeerThatStoppedEarly_IsFlaggedInSummaryTableAndDrawing()
    {
        using var sample = new SampleRun();
        var graph = TopologyFileReader.Parse(DirectedRing).Graph;

        var html = HtmlReport.Build(MetricsReader.Read(sample.Path), graph);

        Assert.Contains("<th>peers that stopped early</th><td>node-3</td>", html, StringComparison.Ordinal);
        Assert.Contains($"<td>node-3</td><td>{SampleRun.StoppedAfter} (stopped)</td>", html, StringComparison.Ordinal);
        Assert.Contains("<g class=\"node stopped\" data-node=\"node-3\">", html, StringComparison.Ordinal);
        Assert.Contains("<g class=\"node\" data-node=\"node-0\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DirectedRing_DrawsOneArrowPerTrustRelation()
    {
        using var sample = new SampleRun();
        var graph = TopologyFileReader.Parse(DirectedRing).Graph;

        var html = HtmlReport.Build(MetricsReader.Read(sample.Path), graph);

        Assert.Equal(4, EdgeLine().Count(html));
        Assert.DoesNotContain("marker-start", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NameWithMarkup_IsEscaped()
    {
        using var sample = new SampleRun();
        File.AppendAllText(Path.Combine(sample.Path, "metrics.jsonl"), "{\"kind\":\"node\",\"round\":1,\"node\":\"<script>x</script>\",\"train_loss\":1}\n");

        var html = HtmlReport.Build(MetricsReader.Read(sample.Path), graph: null);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("<svg class=\"chart\".*?</svg>", RegexOptions.Singleline)]
    private static partial Regex ChartMarkup();

    [GeneratedRegex("<path class=\"series\"")]
    private static partial Regex SeriesPath();

    [GeneratedRegex("<line class=\"edge\"")]
    private static partial Regex EdgeLine();
}
