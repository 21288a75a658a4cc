using System.Diagnostics;
using GossipFl.Daemon.Tests.Netns;

namespace GossipFl.Daemon.Tests.Scripts;

/// <summary>
/// README's main command, scripts/simulate.sh, as a user runs it (small settings): as root the daemons run in
/// their own namespaces and find each other with mDNS; the run ends with a summary and a report, and leaves no
/// namespace or process behind.
/// </summary>
public sealed class SimulateScriptTests : IDisposable
{
    private readonly DirectoryInfo _runs = Directory.CreateTempSubdirectory("gossipfl-runs-");

    public void Dispose() => _runs.Delete(recursive: true);

    [Fact]
    public async Task SimulateScript_ThreeDaemonsInNamespaces_FinishWithSummaryAndReport()
    {
        Assert.True(Environment.IsPrivilegedProcess, "This test runs daemons in network namespaces and needs root (CI runs as root).");
        var script = Path.Combine(RepoPaths.Root, "scripts", "simulate.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[script, "3", "complete", "--", "--rounds", "3", "--dataset", "synthetic", "--model", "logreg",
                     "--partition", "iid", "--eval-every", "3", "--peer-wait", "60"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GOSSIPFL_RUNS_DIR"] = _runs.FullName;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("simulate.sh did not finish within 4 minutes");
        }

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("3 daemons on namespaces", output, StringComparison.Ordinal);
        Assert.Contains("mean test accuracy", output, StringComparison.Ordinal);
        var run = Assert.Single(_runs.GetDirectories("simulate-*"));
        Assert.True(File.Exists(Path.Combine(run.FullName, "report.html")));
        foreach (var node in (string[])["node-0", "node-1", "node-2"])
        {
            var log = File.ReadAllText(Path.Combine(run.FullName, node + ".log"));
            Assert.Contains("all 2 neighbours found", log, StringComparison.Ordinal);
            Assert.Contains("finished all 3 rounds", log, StringComparison.Ordinal);
        }

        // The script names its namespaces gfs<pid>...; other tests' namespaces come and go in parallel.
        Assert.DoesNotContain(TestNetwork.Run(null, "ip", "netns", "list").Split('\n'), line => line.StartsWith("gfs", StringComparison.Ordinal));
    }
}
