using System.Globalization;
using GossipFl.Daemon.Node;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Learning.Simulation;
using GossipFl.Learning.Torch;
using GossipFl.Topology.Files;
using Microsoft.Extensions.Logging.Abstractions;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// The strongest end-to-end check (ARCHITECTURE.md §3): real daemons exchanging shares over the secure UDP
/// transport end with exactly the parameters the in-process simulator computes for the same setup.
/// </summary>
[Collection(GossipFl.Daemon.Tests.Node.TimedDaemonRuns.Name)]
public sealed class DaemonAgreementTests
{
    private const int Rounds = 6;

    [Theory]
    [InlineData("ops")]
    [InlineData("dol")]
    [InlineData("dsgd")]
    public async Task FourDaemons_Synchronous_Lossless_EndBitIdenticalToTheSimulator(string algorithm)
    {
        using var daemons = new DaemonProcesses(4);
        var names = new[] { "n0", "n1", "n2", "n3" };
        // Directed for push-sum and DOL (n3 trusts two peers, n0 is trusted by two: push-sum weights leave 1);
        // D-PSGD needs a symmetric graph, so it gets a ring with one chord.
        string[] trusts = algorithm == "dsgd" ? ["n1, n3, n2", "n0, n2", "n1, n3, n0", "n2, n0"] : ["n3", "n0", "n1", "n2, n0"];
        var topology = Path.Combine(daemons.Root, "four.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(names.Select((n, i) =>
            string.Create(CultureInfo.InvariantCulture, $"  - {{ name: {n}, trusts: [{trusts[i]}], address: \"127.0.0.1:{daemons.Ports[i]}\" }}\n"))));
        string[] training = ["--algorithm", algorithm, "--model", "mlp:16", "--dataset", "synthetic", "--partition", "dirichlet:0.5",
            "--rounds", Rounds.ToString(CultureInfo.InvariantCulture), "--local-steps", "3", "--batch-size", "16", "--lr", "0.05", "--seed", "11",
            "--eval-every", "0", "--round-deadline", "60", "--peer-wait", "60"];

        for (var i = 0; i < names.Length; i++)
        {
            daemons.Start(topology, names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), .. training]);
        }

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(4));
        Assert.True(exits.Values.All(code => code == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");

        var expected = Simulate(topology, algorithm);
        for (var i = 0; i < names.Length; i++)
        {
            var checkpoint = new CheckpointStore(daemons.DataDirectory(names[i]), NullLogger.Instance).LoadLatest(expected.Models[i].Length);
            Assert.NotNull(checkpoint);
            Assert.Equal(Rounds - 1, checkpoint.Round);
            var node = new GossipNode(i, AlgorithmNames.Parse(algorithm), checkpoint.Parameters);
            node.Restore(checkpoint.Parameters, checkpoint.Weight);
            var model = new float[checkpoint.Parameters.Length];
            node.CopyModel(model);

            Assert.Equal(expected.Weights[i], checkpoint.Weight);
            Assert.True(
                expected.Models[i].AsSpan().SequenceEqual(model),
                $"{names[i]}: daemon and simulator differ, first at index {expected.Models[i].AsSpan().CommonPrefixLength(model)}");
        }
    }

    private static SimulationResult Simulate(string topologyFile, string algorithm)
    {
        TorchRuntime.Threads = 1;
        var document = TopologyFileReader.Load(topologyFile);
        var spec = new WorkloadSpec("synthetic", ModelSpec.Parse("mlp:16"), "dirichlet:0.5", Online: false, Beta: 0, 4, Rounds, 16, 0.05, new LocalWork(3), 11);
        using var workload = Workload.Create(spec);
        var options = new SimulationOptions(AlgorithmNames.Parse(algorithm), Rounds, 11, NetworkConditions.Perfect, EvalEvery: 0);
        var simulator = new Simulator(document.GraphForRound, workload.Learners, Enumerable.Repeat(workload.Initial, 4).ToArray(), options);
        return simulator.Run();
    }
}
