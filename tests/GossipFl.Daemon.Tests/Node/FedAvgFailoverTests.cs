using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Learning.Simulation;
using GossipFl.Learning.Torch;
using GossipFl.Topology.Files;
using Xunit.Abstractions;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// Issue #7's acceptance runs: 8 FedAvg daemons on Fashion-MNIST against the simulator, then the same run with
/// its coordinator killed mid-round 5 of 20, and the one-coordinator-per-term check over every peer's log.
/// </summary>
/// <remarks>
/// The partition is IID so that the comparison measures the failover, not the loss of the dead peer's data: with
/// a skewed split (Dirichlet 0.5) losing one peer's labels for 15 rounds alone moved the final accuracy by up to
/// 1.9 points in our runs (docs/benchmarks.md).
/// </remarks>
[Collection(TimedDaemonRuns.Name)]
public sealed class FedAvgFailoverTests(ITestOutputHelper output)
{
    private const int Nodes = 8;
    private const int Rounds = 20;
    private const int KillRound = 5;
    private const double ElectionTimeout = 1.5;

    /// <summary>
    /// Stated in docs/algorithms.md: a successor is elected within 2 × the longest election timeout (2 × 3 s)
    /// of the coordinator's death, plus slack for a 2-core machine running 8 training daemons.
    /// </summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(10);

    private static readonly string[] Names = Enumerable.Range(0, Nodes).Select(i => $"peer-{i}").ToArray();

    private static readonly string[] Training =
    [
        "--algorithm", "fedavg", "--model", "mlp", "--dataset", "fashion-mnist", "--partition", "iid",
        "--rounds", Rounds.ToString(CultureInfo.InvariantCulture), "--local-epochs", "1", "--client-fraction", "0.5", "--batch-size", "32",
        "--lr", "0.05", "--seed", "3", "--eval-every", "5", "--round-deadline", "120", "--peer-wait", "90",
        "--election-timeout", ElectionTimeout.ToString(CultureInfo.InvariantCulture),
    ];

    [Fact]
    public async Task EightDaemons_MatchTheSimulator_AndSurviveTheCoordinatorsDeathAtRound5()
    {
        // The undisturbed run against `gossipfl simulate --algorithm fedavg` for the same setup.
        var (undisturbed, undisturbedElections) = await RunAsync(killCoordinatorAtRound: null);
        var simulated = Simulate();
        output.WriteLine($"undisturbed daemons {undisturbed.Accuracy:P2}, simulator {simulated:P2}");
        Assert.True(Math.Abs(undisturbed.Accuracy - simulated) <= 0.01, $"daemons {undisturbed.Accuracy:P2}, simulator {simulated:P2}");
        Assert.True(simulated > 0.70, $"the setup should learn: simulator reached only {simulated:P2}");

        // The coordinator killed mid-round 5: a successor within the bound, training completes, accuracy within a point.
        var (disturbed, disturbedElections) = await RunAsync(killCoordinatorAtRound: KillRound);
        output.WriteLine($"after the coordinator's death: {disturbed.Accuracy:P2} (undisturbed {undisturbed.Accuracy:P2}); successor after {disturbed.Failover?.TotalSeconds:0.00} s");
        Assert.NotNull(disturbed.Failover);
        Assert.True(disturbed.Failover <= FailoverBound, $"successor after {disturbed.Failover}");
        Assert.True(Math.Abs(disturbed.Accuracy - undisturbed.Accuracy) <= 0.01, $"disturbed {disturbed.Accuracy:P2}, undisturbed {undisturbed.Accuracy:P2}");

        CoordinatorLog.AssertNeverTwoPerTerm(undisturbedElections);
        CoordinatorLog.AssertNeverTwoPerTerm(disturbedElections);
        Assert.True(disturbedElections.Select(e => e.Term).Distinct().Count() >= 2, "the failover should have taken a new term");
    }

    private async Task<(Outcome Outcome, List<(long Term, string Node)> Elections)> RunAsync(int? killCoordinatorAtRound)
    {
        using var daemons = new DaemonProcesses(Nodes);
        var topology = Path.Combine(daemons.Root, "fedavg.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(Names.Select((n, i) =>
            string.Create(CultureInfo.InvariantCulture, $"  - {{ name: {n}, trusts: [{string.Join(", ", Names.Where(m => m != n))}], address: \"127.0.0.1:{daemons.Ports[i]}\" }}\n"))));
        for (var i = 0; i < Nodes; i++)
        {
            daemons.Start(topology, Names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), .. Training]);
        }

        TimeSpan? failover = null;
        string? victim = null;
        if (killCoordinatorAtRound is { } round)
        {
            victim = await FirstCoordinatorAsync(daemons);
            await daemons.WaitForLogAsync(victim, $"round {round} (term ", TimeSpan.FromMinutes(5));
            daemons.Kill(victim);
            var clock = Stopwatch.StartNew();
            var others = Names.Where(n => n != victim).ToArray();
            var before = CoordinatorLog.Elections(daemons, others).Count;
            while (clock.Elapsed < TimeSpan.FromSeconds(60) && CoordinatorLog.Elections(daemons, others).Count <= before)
            {
                await Task.Delay(50);
            }

            failover = clock.Elapsed;
        }

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(8));
        Assert.True(exits.Where(e => e.Key != victim).All(e => e.Value == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");
        var survivors = Names.Where(n => n != victim).ToArray();
        var accuracies = survivors.Select(n => FinalAccuracy(daemons, n)).ToArray();
        output.WriteLine(daemons.Logs());
        return (new Outcome(accuracies.Average(), failover), CoordinatorLog.Elections(daemons, Names));
    }

    private static async Task<string> FirstCoordinatorAsync(DaemonProcesses daemons)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (CoordinatorLog.Elections(daemons, Names).FirstOrDefault() is { Node: { } node })
            {
                return node;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"no coordinator was elected:\n{daemons.Logs()}");
        return "";
    }

    /// <summary>A peer's test accuracy of the last round's global model, from its metrics.jsonl.</summary>
    private static double FinalAccuracy(DaemonProcesses daemons, string node)
    {
        var last = File.ReadLines(Path.Combine(daemons.DataDirectory(node), MetricsWriter.MetricsFileName))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Last(root => root.GetProperty("round").GetInt64() == Rounds - 1);
        return last.GetProperty("test_accuracy").GetDouble();
    }

    private static double Simulate()
    {
        TorchRuntime.Threads = 1;
        var spec = new WorkloadSpec("fashion-mnist", ModelSpec.Parse("mlp"), "iid", Online: false, Beta: 0, Nodes, Rounds, 32, 0.05, new LocalWork(10, 1), 3);
        using var workload = Workload.Create(spec);
        var options = new SimulationOptions(AlgorithmKind.FedAvg, Rounds, 3, NetworkConditions.Perfect, EvalEvery: 5, ClientFraction: 0.5);
        var document = TopologyFileReader.Parse($"version: 1\ngenerator: {{ name: complete, nodes: {Nodes} }}\n");
        var result = new Simulator(document.GraphForRound, workload.Learners, Enumerable.Repeat(workload.Initial, Nodes).ToArray(), options).Run();
        return result.Last!.MeanTestAccuracy!.Value;
    }

    private sealed record Outcome(double Accuracy, TimeSpan? Failover);
}
