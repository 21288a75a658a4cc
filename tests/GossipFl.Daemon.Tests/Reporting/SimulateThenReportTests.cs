using GossipFl.Daemon.Tests.Cli;

namespace GossipFl.Daemon.Tests.Reporting;

/// <summary>A simulator run's output directory is enough for a complete report, the topology drawing included.</summary>
public sealed class SimulateThenReportTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("gossipfl-simreport-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Report_OfAGeneratedTopologyRun_DrawsEveryPeer()
    {
        var run = Path.Combine(_dir.FullName, "run");
        var simulate = await CliRunner.RunAsync(
            "simulate", "--online", "--generator", "one-way-trust", "--nodes", "6", "--rounds", "4", "--eval-every", "2", "--out", run);
        Assert.True(simulate.ExitCode == 0, simulate.Error);
        Assert.True(File.Exists(Path.Combine(run, "topology.yaml")), "the run should keep its topology");

        var html = Path.Combine(_dir.FullName, "report.html");
        var report = await CliRunner.RunAsync("report", run, "-o", html);

        Assert.True(report.ExitCode == 0, report.Error);
        var page = await File.ReadAllTextAsync(html);
        Assert.Contains("<svg class=\"topology\"", page, StringComparison.Ordinal);
        Assert.Equal(6, page.Split("<g class=\"node\"").Length - 1);
        Assert.Contains("mean test accuracy", report.Output, StringComparison.Ordinal);
        // Rounds 0..3 are four rounds; the count once printed the last round's number (3).
        Assert.Contains("4 rounds, 6 peers", report.Output, StringComparison.Ordinal);
        Assert.Contains("<tr><th>rounds</th><td>4</td></tr>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_OfAnAttackedRun_MarksTheAttackersAndListsThemFirst()
    {
        var run = Path.Combine(_dir.FullName, "attacked");
        var simulate = await CliRunner.RunAsync(
            "simulate", "--online", "--algorithm", "dsgd", "--generator", "ring", "--param", "k=2", "--nodes", "8", "--rounds", "20",
            "--attack", "gaussian:0.125", "--aggregation", "clipped:auto", "--out", run);
        Assert.True(simulate.ExitCode == 0, simulate.Error);
        using var config = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(run, "run.json")));
        var attacker = Assert.Single(config.RootElement.GetProperty("attackers").EnumerateArray()).GetString()!;
        Assert.Equal("clipped:auto", config.RootElement.GetProperty("aggregation").GetString());
        Assert.Contains("mean_honest_test_accuracy,clipped,discarded", File.ReadLines(Path.Combine(run, "rounds.csv")).First(), StringComparison.Ordinal);

        var html = Path.Combine(_dir.FullName, "attacked.html");
        var report = await CliRunner.RunAsync("report", run, "-o", html);

        Assert.True(report.ExitCode == 0, report.Error);
        var page = await File.ReadAllTextAsync(html);
        var table = page[page.IndexOf("<h2>Robust aggregation</h2>", StringComparison.Ordinal)..];
        // Its four neighbours discard the Gaussian attacker every round: 4 × 20.
        Assert.StartsWith($"<h2>Robust aggregation</h2>", table, StringComparison.Ordinal);
        Assert.Contains($"<tbody><tr class=\"attacker\"><td>{attacker}</td><td><strong>attacker</strong></td><td>0</td><td>80</td></tr>", table, StringComparison.Ordinal);

        // The headline figures leave the attacker out, as the simulator's own summary does; its row is marked.
        var honest = File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("kind").GetString() == "node" && e.GetProperty("round").GetInt64() == 19 && e.GetProperty("node").GetString() != attacker)
            .Average(e => e.GetProperty("test_accuracy").GetDouble());
        var expected = honest.ToString("0.00%", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"<tr><th>final mean honest test accuracy (attackers left out)</th><td>{expected}</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains($"mean honest test accuracy {expected} (min ", report.Output, StringComparison.Ordinal);
        Assert.Contains("over 7 peers, attackers left out", report.Output, StringComparison.Ordinal);
        Assert.Contains(report.Output.Split('\n'), line => line.StartsWith(attacker, StringComparison.Ordinal) && line.EndsWith(" (attacker)", StringComparison.Ordinal));
    }
}
