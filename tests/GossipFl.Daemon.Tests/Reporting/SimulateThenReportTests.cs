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
    }
}
