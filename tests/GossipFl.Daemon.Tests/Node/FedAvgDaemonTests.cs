using System.Globalization;
using GossipFl.Daemon.Node;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Compression;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Learning.Simulation;
using GossipFl.Learning.Torch;
using GossipFl.Topology.Files;
using Microsoft.Extensions.Logging.Abstractions;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// FedAvg on an elected coordinator with real daemons over the secure UDP transport: the same global model as
/// the simulator, and one coordinator per term in every peer's log.
/// </summary>
[Collection(TimedDaemonRuns.Name)]
public sealed class FedAvgDaemonTests
{
    private const int Rounds = 6;

    /// <summary>
    /// With a codec the clients send compressed changes with error feedback (kind 7 version 2) and the coordinator
    /// rebuilds them; the simulator does the same per client, so the global model is still bit-identical.
    /// </summary>
    [Theory]
    [InlineData("none")]
    [InlineData("int8")]
    [InlineData("sign")]
    [InlineData("topk:0.05")]
    public async Task FourDaemons_ElectACoordinator_AndEndBitIdenticalToTheSimulator(string compress)
    {
        using var daemons = new DaemonProcesses(4);
        var names = new[] { "n0", "n1", "n2", "n3" };
        var topology = WriteTopology(daemons, names);
        string[] training = ["--algorithm", "fedavg", "--model", "mlp:16", "--dataset", "synthetic", "--partition", "dirichlet:0.5",
            "--rounds", Rounds.ToString(CultureInfo.InvariantCulture), "--local-epochs", "1", "--client-fraction", "0.5", "--batch-size", "16",
            "--lr", "0.05", "--seed", "11", "--eval-every", "0", "--round-deadline", "60", "--peer-wait", "60", "--election-timeout", "1",
            "--compress", compress];

        for (var i = 0; i < names.Length; i++)
        {
            daemons.Start(topology, names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), .. training]);
        }

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(4));
        Assert.True(exits.Values.All(code => code == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");

        var expected = Simulate(names.Length, CodecSpec.Parse(compress));
        if (compress != "none")
        {
            // Updates went over the wire compressed: the coordinators' logs say nothing was refused, and the
            // uncompressed run's model differs from this one (so the codec was not silently ignored).
            Assert.DoesNotContain(names.SelectMany(daemons.Log), line => line.Contains("dropped a message", StringComparison.Ordinal));
            Assert.False(Simulate(names.Length, CodecSpec.None).Models[0].AsSpan().SequenceEqual(expected.Models[0]));
        }

        foreach (var name in names)
        {
            var checkpoint = new CheckpointStore(daemons.DataDirectory(name), NullLogger.Instance).LoadLatest(expected.Models[0].Length);
            Assert.NotNull(checkpoint);
            Assert.Equal(Rounds - 1, checkpoint.Round);
            Assert.True(
                expected.Models[0].AsSpan().SequenceEqual(checkpoint.Parameters),
                $"{name}: daemon and simulator differ, first at index {expected.Models[0].AsSpan().CommonPrefixLength(checkpoint.Parameters)}\n{daemons.Logs()}");
        }

        CoordinatorLog.AssertNeverTwoPerTerm(CoordinatorLog.Elections(daemons, names));
    }

    [Fact]
    public async Task AClientThatLeavesMidRound_DoesNotStallTheRoundUntilTheDeadline()
    {
        using var daemons = new DaemonProcesses(4);
        var names = new[] { "n0", "n1", "n2", "n3" };
        var topology = WriteTopology(daemons, names);
        // Every client is sampled every round, and the deadline (10 minutes) is far longer than the test may take.
        string[] training = ["--algorithm", "fedavg", "--model", "mlp:16", "--dataset", "synthetic", "--rounds", "12", "--local-epochs", "1",
            "--client-fraction", "1", "--eval-every", "0", "--round-deadline", "600", "--peer-wait", "60", "--election-timeout", "0.5"];
        for (var i = 0; i < names.Length; i++)
        {
            daemons.Start(topology, names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), .. training]);
        }

        var coordinator = await FirstCoordinatorAsync(daemons, names);
        var client = names.First(n => n != coordinator);
        await daemons.WaitForLogAsync(client, "round 3 done", TimeSpan.FromMinutes(2));
        daemons.Kill(client);

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(3));
        Assert.True(names.Where(n => n != client).All(n => exits[n] == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");
        Assert.Contains(daemons.Log(coordinator), line => line.Contains($"no update from {client}", StringComparison.Ordinal));
        Assert.Contains(daemons.Log(coordinator), line => line.Contains("round 11 (term", StringComparison.Ordinal) && line.Contains("sampled 3 of 3", StringComparison.Ordinal));
    }

    private static async Task<string> FirstCoordinatorAsync(DaemonProcesses daemons, string[] names)
    {
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            if (CoordinatorLog.Elections(daemons, names).FirstOrDefault() is { Node: { } node })
            {
                return node;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"no coordinator was elected:\n{daemons.Logs()}");
        return "";
    }

    [Fact]
    public async Task ADaemonThatCanNeverReachAQuorum_GivesUpInOneLine_WithExitCode1()
    {
        using var daemons = new DaemonProcesses(3);
        var topology = WriteTopology(daemons, ["n0", "n1", "n2"]);

        daemons.Start(topology, "n0", ["--port", daemons.Ports[0].ToString(CultureInfo.InvariantCulture), "--algorithm", "fedavg", "--model", "mlp:16",
            "--dataset", "synthetic", "--election-timeout", "0.3", "--leaderless-timeout", "3"]);
        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(1, exits["n0"]);
        var log = string.Join("\n", daemons.Log("n0"));
        Assert.Contains("giving up: no coordinator for 3 s", log, StringComparison.Ordinal);
        Assert.Contains("electing one needs 2 of 3 nodes", log, StringComparison.Ordinal);
        // Pre-vote: with no peer to say yes it never even starts a term of its own.
        Assert.DoesNotContain("standing for election", log, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", log, StringComparison.Ordinal);
    }

    private static string WriteTopology(DaemonProcesses daemons, string[] names)
    {
        var topology = Path.Combine(daemons.Root, "cluster.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(names.Select((n, i) =>
            string.Create(CultureInfo.InvariantCulture,
                $"  - {{ name: {n}, trusts: [{string.Join(", ", names.Where(m => m != n))}], address: \"127.0.0.1:{daemons.Ports[i]}\" }}\n"))));
        return topology;
    }

    private static SimulationResult Simulate(int nodes, CodecSpec compression)
    {
        TorchRuntime.Threads = 1;
        var spec = new WorkloadSpec("synthetic", ModelSpec.Parse("mlp:16"), "dirichlet:0.5", Online: false, Beta: 0, nodes, Rounds, 16, 0.05, new LocalWork(10, 1), 11);
        using var workload = Workload.Create(spec);
        var options = new SimulationOptions(AlgorithmKind.FedAvg, Rounds, 11, NetworkConditions.Perfect, EvalEvery: 0, ClientFraction: 0.5, Compression: compression);
        var document = TopologyFileReader.Parse("version: 1\ngenerator: { name: complete, nodes: " + nodes.ToString(CultureInfo.InvariantCulture) + " }\n");
        var simulator = new Simulator(document.GraphForRound, workload.Learners, Enumerable.Repeat(workload.Initial, nodes).ToArray(), options);
        return simulator.Run();
    }
}
