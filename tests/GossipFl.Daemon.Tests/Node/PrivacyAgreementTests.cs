using System.Globalization;
using GossipFl.Daemon.Node;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Learning.Privacy;
using GossipFl.Learning.Simulation;
using GossipFl.Learning.Torch;
using GossipFl.Topology.Files;
using Microsoft.Extensions.Logging.Abstractions;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// Peer-level DP takes the same path in daemons as in the simulator: four daemons clipping and noising their updates
/// with <c>--dp-noise-seed</c> (experiments only) end bit-identical to the simulator given the same seed, so the
/// mechanism sits at the same point of every round on both drivers.
/// </summary>
[Collection(TimedDaemonRuns.Name)]
public sealed class PrivacyAgreementTests
{
    private const int Rounds = 5;
    private const ulong NoiseSeed = 99;

    [Fact]
    public async Task FourDaemons_WithSeededPeerLevelDp_EndBitIdenticalToTheSimulator()
    {
        using var daemons = new DaemonProcesses(4);
        var names = new[] { "n0", "n1", "n2", "n3" };
        string[] trusts = ["n3", "n0", "n1", "n2, n0"];
        var topology = Path.Combine(daemons.Root, "four.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(names.Select((n, i) =>
            string.Create(CultureInfo.InvariantCulture, $"  - {{ name: {n}, trusts: [{trusts[i]}], address: \"127.0.0.1:{daemons.Ports[i]}\" }}\n"))));
        string[] training = ["--algorithm", "ops", "--model", "mlp:16", "--dataset", "synthetic", "--partition", "dirichlet:0.5",
            "--rounds", Rounds.ToString(CultureInfo.InvariantCulture), "--local-steps", "3", "--batch-size", "16", "--lr", "0.05", "--seed", "11",
            "--eval-every", "0", "--round-deadline", "60", "--peer-wait", "60",
            "--dp-clip", "0.5", "--dp-noise", "0.3", "--dp-delta", "1e-5", "--dp-noise-seed", NoiseSeed.ToString(CultureInfo.InvariantCulture)];

        for (var i = 0; i < names.Length; i++)
        {
            daemons.Start(topology, names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), .. training]);
        }

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(4));
        Assert.True(exits.Values.All(code => code == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");

        var expected = Simulate(topology, new PrivacySpec(0.5, 0.3, Delta: 1e-5, NoiseSeed: NoiseSeed));
        var plain = Simulate(topology, privacy: null);
        for (var i = 0; i < names.Length; i++)
        {
            var checkpoint = new CheckpointStore(daemons.DataDirectory(names[i]), NullLogger.Instance).LoadLatest(expected.Models[i].Length);
            Assert.NotNull(checkpoint);
            Assert.Equal(Rounds - 1, checkpoint.Round);
            var node = new GossipNode(i, AlgorithmKind.PushSum, checkpoint.Parameters);
            node.Restore(checkpoint.Parameters, checkpoint.Weight);
            var model = new float[checkpoint.Parameters.Length];
            node.CopyModel(model);

            Assert.Equal(expected.Weights[i], checkpoint.Weight);
            Assert.True(
                expected.Models[i].AsSpan().SequenceEqual(model),
                $"{names[i]}: daemon and simulator differ, first at index {expected.Models[i].AsSpan().CommonPrefixLength(model)}");
            Assert.False(plain.Models[i].AsSpan().SequenceEqual(model), $"{names[i]}: the noise changed nothing");
            Assert.Contains(daemons.Log(names[i]), line => line.Contains("noise SEEDED with 99", StringComparison.Ordinal));
        }
    }

    private static SimulationResult Simulate(string topologyFile, PrivacySpec? privacy)
    {
        TorchRuntime.Threads = 1;
        var document = TopologyFileReader.Load(topologyFile);
        var spec = new WorkloadSpec("synthetic", ModelSpec.Parse("mlp:16"), "dirichlet:0.5", Online: false, Beta: 0, 4, Rounds, 16, 0.05, new LocalWork(3), 11);
        using var workload = Workload.Create(spec);
        var options = new SimulationOptions(AlgorithmKind.PushSum, Rounds, 11, NetworkConditions.Perfect, EvalEvery: 0, Privacy: privacy);
        var simulator = new Simulator(document.GraphForRound, workload.Learners, Enumerable.Repeat(workload.Initial, 4).ToArray(), options);
        return simulator.Run();
    }
}
