using System.Globalization;
using System.Text.RegularExpressions;
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
/// Compressed gossip between real daemons on loopback: three daemons sending int8 shares (kind 1 version 2) over the
/// secure UDP transport end with exactly the parameters and push-sum weights the simulator computes with the same
/// codec, and a daemon configured with another codec is refused as running another task.
/// </summary>
[Collection(GossipFl.Daemon.Tests.Node.TimedDaemonRuns.Name)]
public sealed partial class CompressedDaemonTests
{
    private const int Rounds = 5;

    private static readonly string[] Names = ["n0", "n1", "n2"];

    private static string[] Training(string algorithm, string codec) =>
    [
        "--algorithm", algorithm, "--compress", codec, "--model", "mlp:16", "--dataset", "synthetic", "--partition", "dirichlet:0.5",
        "--rounds", Rounds.ToString(CultureInfo.InvariantCulture), "--local-steps", "3", "--batch-size", "16", "--lr", "0.05", "--seed", "11",
        "--eval-every", "0", "--round-deadline", "60", "--peer-wait", "60",
    ];

    private static string WriteTopology(DaemonProcesses daemons, string algorithm)
    {
        // Directed for push-sum (n2 trusts two peers); a triangle for CHOCO on D-PSGD's symmetric weights.
        string[] trusts = algorithm == "dsgd" ? ["n1, n2", "n0, n2", "n0, n1"] : ["n2", "n0", "n1, n0"];
        var topology = Path.Combine(daemons.Root, "three.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(Names.Select((n, i) =>
            string.Create(CultureInfo.InvariantCulture, $"  - {{ name: {n}, trusts: [{trusts[i]}], address: \"127.0.0.1:{daemons.Ports[i]}\" }}\n"))));
        return topology;
    }

    [Theory]
    [InlineData("ops")]
    [InlineData("dsgd")]
    public async Task ThreeDaemons_Int8_EndBitIdenticalToTheSimulator(string algorithm)
    {
        using var daemons = new DaemonProcesses(3);
        var topology = WriteTopology(daemons, algorithm);
        for (var i = 0; i < Names.Length; i++)
        {
            daemons.Start(topology, Names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), .. Training(algorithm, "int8")]);
        }

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(4));
        Assert.True(exits.Values.All(code => code == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");

        var expected = Simulate(topology, algorithm);
        for (var i = 0; i < Names.Length; i++)
        {
            var checkpoint = new CheckpointStore(daemons.DataDirectory(Names[i]), NullLogger.Instance).LoadLatest(expected.Models[i].Length);
            Assert.NotNull(checkpoint);
            Assert.Equal(Rounds - 1, checkpoint.Round);
            var model = new float[checkpoint.Parameters.Length];
            Learning.Algorithms.VectorMath.Scale(model, checkpoint.Parameters, algorithm == "ops" ? (float)(1.0 / checkpoint.Weight) : 1f);

            Assert.Equal(expected.Weights[i], checkpoint.Weight);
            Assert.True(
                expected.Models[i].AsSpan().SequenceEqual(model),
                $"{Names[i]}: daemon and simulator differ, first at index {expected.Models[i].AsSpan().CommonPrefixLength(model)}");
        }

        Assert.Equal(3.0, expected.Weights.Sum());
        Assert.Contains("compressed shares from all", daemons.Logs(), StringComparison.Ordinal);

        // The status a finished daemon leaves says which codec it ran, with its consensus step.
        using var status = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(daemons.DataDirectory(Names[0]), "status.json")));
        Assert.Equal("int8 (γ = 1)", status.RootElement.GetProperty("compress").GetString());
    }

    [Fact]
    public async Task DaemonsWithDifferentCodecs_RefuseEachOtherAsAnotherTask_AndStopRatherThanMixWrongly()
    {
        using var daemons = new DaemonProcesses(2);
        StartPair(daemons, ["int8", "fp16"], rounds: Rounds);

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(2));

        Assert.True(exits.Values.All(code => code != 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");
        Assert.Contains(daemons.Log("n0"), line => line.Contains("refusing n1: it runs another task", StringComparison.Ordinal));
        Assert.Contains(daemons.Log("n0"), line => line.Contains("giving up: round 0: no share from n1 before the deadline; compressed gossip needs every share", StringComparison.Ordinal));
        // The documented stop is said in one line, not logged as a crash with a stack trace.
        Assert.DoesNotContain(daemons.Log("n0"), line => line.Contains("the node failed", StringComparison.Ordinal) || line.StartsWith("   at ", StringComparison.Ordinal));
    }

    /// <summary>
    /// A peer lost mid-run stops compressed gossip (it cannot mix without every share), but the run's work is not
    /// lost: the survivor's last line names the round its newest checkpoint holds and the export command, which works.
    /// </summary>
    [Fact]
    public async Task PeerLostMidRun_StopsTheSurvivor_WhichSaysHowToExportItsNewestCheckpoint()
    {
        using var daemons = new DaemonProcesses(2);
        StartPair(daemons, ["int8", "int8"], rounds: 500);

        await daemons.WaitForLogAsync("n0", "round 3 done", TimeSpan.FromMinutes(2));
        daemons.Kill("n1");
        var exit = await daemons.WaitForExitAsync("n0", TimeSpan.FromMinutes(1));

        var log = daemons.Log("n0");
        var shown = string.Join('\n', log);
        Assert.True(exit != 0, shown);
        // Whichever the survivor notices first: n1's share missing, or its own share for n1 undelivered.
        Assert.True(log.Any(line => line.Contains("no share from n1 before the deadline", StringComparison.Ordinal) || line.Contains("the share for n1 could not be delivered", StringComparison.Ordinal)), shown);
        var hint = log.Select(line => ExportHint().Match(line)).LastOrDefault(m => m.Success);
        Assert.True(hint is not null, shown);
        var round = long.Parse(hint.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(round >= 3, shown);

        var exported = Path.Combine(daemons.Root, "n0.safetensors");
        var result = GossipFl.Daemon.Tests.Cli.GossipFlProcess.Run("export", "--data-dir", daemons.DataDirectory("n0"), "-o", exported);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.True(new FileInfo(exported).Length > 0);
        Assert.Contains($"round {round}", result.Output + result.Error, StringComparison.Ordinal);
    }

    /// <summary>Two D-PSGD daemons trusting each other, with the codecs given, a 4 s round deadline and peer wait.</summary>
    private static void StartPair(DaemonProcesses daemons, string[] codecs, int rounds)
    {
        var topology = Path.Combine(daemons.Root, "two.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(Names[..2].Select((n, i) =>
            string.Create(CultureInfo.InvariantCulture, $"  - {{ name: {n}, trusts: [{(i == 0 ? "n1" : "n0")}], address: \"127.0.0.1:{daemons.Ports[i]}\" }}\n"))));
        for (var i = 0; i < 2; i++)
        {
            var training = Training("dsgd", codecs[i]);
            training[Array.IndexOf(training, "--rounds") + 1] = rounds.ToString(CultureInfo.InvariantCulture);
            training[Array.IndexOf(training, "--round-deadline") + 1] = "4";
            training[Array.IndexOf(training, "--peer-wait") + 1] = "4";
            daemons.Start(topology, $"n{i}", ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), .. training]);
        }
    }

    [GeneratedRegex(@"the newest checkpoint holds the model of round (\d+): gossipfl export --data-dir \S+ -o model\.safetensors$")]
    private static partial Regex ExportHint();

    private static SimulationResult Simulate(string topologyFile, string algorithm)
    {
        TorchRuntime.Threads = 1;
        var document = TopologyFileReader.Load(topologyFile);
        var spec = new WorkloadSpec("synthetic", ModelSpec.Parse("mlp:16"), "dirichlet:0.5", Online: false, Beta: 0, 3, Rounds, 16, 0.05, new LocalWork(3), 11);
        using var workload = Workload.Create(spec);
        var options = new SimulationOptions(AlgorithmNames.Parse(algorithm), Rounds, 11, NetworkConditions.Perfect, EvalEvery: 0, Compression: CodecSpec.EightBit);
        var simulator = new Simulator(document.GraphForRound, workload.Learners, Enumerable.Repeat(workload.Initial, 3).ToArray(), options);
        return simulator.Run();
    }
}
