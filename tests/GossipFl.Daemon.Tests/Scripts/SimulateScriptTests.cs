using System.Diagnostics;
using GossipFl.Daemon.Tests.Netns;

namespace GossipFl.Daemon.Tests.Scripts;

/// <summary>
/// README's main command, scripts/simulate.sh, as a user runs it (small settings): as root the daemons run in
/// their own namespaces and find each other with mDNS; the run ends with a summary and a report, and leaves no
/// namespace or process behind.
/// </summary>
[Collection(GossipFl.Daemon.Tests.Node.TimedDaemonRuns.Name)]
public sealed class SimulateScriptTests : IDisposable
{
    private readonly DirectoryInfo _runs = Directory.CreateTempSubdirectory("gossipfl-runs-");
    private int _scriptProcessId;

    public void Dispose() => _runs.Delete(recursive: true);

    [Fact]
    public async Task SimulateScript_ThreeDaemonsInNamespaces_FinishWithSummaryAndReport()
    {
        var (exitCode, output) = await RunScriptAsync(TimeSpan.FromMinutes(4), "3", "complete", "--", "--rounds", "3", "--dataset", "synthetic", "--model", "logreg",
            "--partition", "iid", "--eval-every", "3", "--peer-wait", "60");
        Assert.True(exitCode == 0, output);
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

        // The script names its namespaces gfs<its pid>h<i>; other tests' namespaces, and other runs of the script on
        // the machine, come and go in parallel, so only this run's are looked for.
        var ours = $"gfs{_scriptProcessId}h";
        Assert.DoesNotContain(TestNetwork.Run(null, "ip", "netns", "list").Split('\n'), line => line.StartsWith(ours, StringComparison.Ordinal));
    }

    /// <summary>
    /// Daemons that cannot start are named with the error they printed (not the usage text after it), and a run in
    /// which none trained ends with one line saying there is nothing to report, not a report of an empty run.
    /// </summary>
    [Fact]
    public async Task SimulateScript_DaemonsThatRefuseTheirCommandLine_AreNamedWithTheirError_AndNothingIsReported()
    {
        var (exitCode, output) = await RunScriptAsync(TimeSpan.FromMinutes(2), "3", "complete", "--", "--rounds", "2", "--no-such-flag");

        Assert.Equal(1, exitCode);
        foreach (var node in (string[])["node-0", "node-1", "node-2"])
        {
            Assert.Contains($"simulate: {node} exited with an error (code 1); from its log", output, StringComparison.Ordinal);
        }

        Assert.Contains("Unrecognized command or argument '--no-such-flag'", output, StringComparison.Ordinal);
        Assert.Contains("all 3 daemons failed before training; nothing to report", output, StringComparison.Ordinal);
        Assert.DoesNotContain("no metrics.jsonl", output, StringComparison.Ordinal);
        var run = Assert.Single(_runs.GetDirectories("simulate-*"));
        Assert.False(File.Exists(Path.Combine(run.FullName, "report.html")));
    }

    /// <summary>
    /// Issue #6: 8 daemons, each in its own namespace finding the others with mDNS, train Fashion-MNIST with OPS on
    /// a one-way-trust graph to within 3 points of `gossipfl simulate` for the same setup (in fact to the same figures).
    /// </summary>
    [Fact]
    public async Task EightDaemonsInNamespaces_OnOneWayTrust_ReachTheSimulatorsAccuracy()
    {
        var (exitCode, output) = await RunScriptAsync(TimeSpan.FromMinutes(8), "8", "one-way-trust", "--", "--rounds", "10", "--eval-every", "10", "--peer-wait", "120");
        Assert.True(exitCode == 0, output);
        Assert.Contains("8 daemons on namespaces", output, StringComparison.Ordinal);
        var run = Assert.Single(_runs.GetDirectories("simulate-*")).FullName;
        var daemons = Directory.GetDirectories(run).Select(d => FinalAccuracy(Path.Combine(d, "metrics.jsonl"))).ToArray();
        Assert.Equal(8, daemons.Length);
        foreach (var node in Directory.GetDirectories(run))
        {
            Assert.Contains("all ", File.ReadAllText(node + ".log"), StringComparison.Ordinal);
        }

        var simulated = Path.Combine(run, "simulated");
        var simulate = Cli.GossipFlProcess.Run(TimeSpan.FromMinutes(4), null, "simulate", "--topology", Path.Combine(run, "topology.yaml"),
            "--algorithm", "ops", "--rounds", "10", "--eval-every", "10", "--threads", "1", "--out", simulated);
        Assert.True(simulate.ExitCode == 0, simulate.Error);
        var last = File.ReadLines(Path.Combine(simulated, "rounds.csv")).Last().Split(',');
        var expected = double.Parse(last[5], System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(Math.Abs(daemons.Average() - expected) <= 0.03, $"daemons {daemons.Average():P2}, simulator {expected:P2}\n{output}");
        Assert.True(expected > 0.6, $"the setup should learn something: simulator {expected:P2}");
    }

    /// <summary>
    /// FedAvg through the same script: the daemons find each other with mDNS, elect a coordinator, finish, and the
    /// summary says who coordinated which rounds.
    /// </summary>
    [Fact]
    public async Task SimulateScript_FedAvgInNamespaces_ElectsACoordinatorAndSaysSo()
    {
        var (exitCode, output) = await RunScriptAsync(TimeSpan.FromMinutes(4), "4", "complete", "--", "--algorithm", "fedavg", "--rounds", "6",
            "--dataset", "synthetic", "--model", "logreg", "--partition", "iid", "--eval-every", "3", "--peer-wait", "60");

        Assert.True(exitCode == 0, output);
        Assert.Contains("4 daemons on namespaces", output, StringComparison.Ordinal);
        Assert.Matches(@"coordinators: rounds 0–5: node-\d \(term \d+\)|coordinators: .*rounds .*–5: node-\d", output);
        var run = Assert.Single(_runs.GetDirectories("simulate-*")).FullName;
        foreach (var node in (string[])["node-0", "node-1", "node-2", "node-3"])
        {
            var log = File.ReadAllText(Path.Combine(run, node + ".log"));
            Assert.Contains("discovered ", log, StringComparison.Ordinal);
            Assert.Contains("round 5 done: global model from coordinator", log, StringComparison.Ordinal);
        }
    }

    private static double FinalAccuracy(string metrics) =>
        File.ReadLines(metrics).Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
            .Last(root => root.TryGetProperty("test_accuracy", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.Number)
            .GetProperty("test_accuracy").GetDouble();

    private async Task<(int ExitCode, string Output)> RunScriptAsync(TimeSpan limit, params string[] arguments)
    {
        Assert.True(Environment.IsPrivilegedProcess, "This test runs daemons in network namespaces and needs root (CI runs as root).");
        var script = Path.Combine(RepoPaths.Root, "scripts", "simulate.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[script, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GOSSIPFL_RUNS_DIR"] = _runs.FullName;
        using var process = Process.Start(start)!;
        _scriptProcessId = process.Id;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"simulate.sh did not finish within {limit}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
