using System.Globalization;
using System.Text.Json;
using GossipFl.Daemon.Tests.Cli;
using GossipFl.Daemon.Tests.Netns;
using GossipFl.Learning.Data;
using Xunit.Abstractions;
using static GossipFl.Daemon.Tests.Node.OwnDataFiles;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// Real federated learning: four hosts (network namespaces), each daemon pointed only at its own directory holding
/// its own slice of Fashion-MNIST in its own format, with a different label mix. They train together with Online
/// Push-Sum on a one-way-trust graph, then with FedAvg, and must come within 3 points of centralized training on the
/// union of the four files, all judged on the Fashion-MNIST test set.
/// </summary>
[Collection(TimedDaemonRuns.Name)]
public sealed class OwnDataFederationTests(ITestOutputHelper output)
{
    private const int Port = 7400;
    private const double Tolerance = 0.03;

    // One optimizer for all three runs, so the comparison is of federation against pooling, not of optimizers.
    // n1 -> n2 -> n3 -> n4 -> n1, and one-way n1 -> n3: "A trusts B" means B's model flows to A.
    private static readonly string[] Trusts = ["n4", "n1", "n2, n1", "n3"];

    private static readonly string[] Optimizer = ["--batch-size", "32", "--lr", "0.05"];

    [Fact]
    public async Task FourDaemons_EachOnItsOwnFormat_TrainTogether_WithinThreePointsOfTrainingOnTheUnion()
    {
        using var network = TestNetwork.Create(4);
        var root = Path.Combine(Path.GetTempPath(), "gossipfl-own-data-" + Guid.NewGuid().ToString("N"));
        try
        {
            var nodes = Write(root, 12_000, alpha: 0.5, seed: 7, Format.CsvLabelFirst, Format.Npz, Format.Idx, Format.ImageFolder);
            Assert.Contains(nodes, node => node.Classes.Length < 10); // label skew: some node lacks some classes
            var test = Path.Combine(FashionMnist.ResolveDirectory(), "t10k-images-idx3-ubyte.gz");

            var ops = await RunAsync(network, root, nodes, test, "push-sum",
                ["--rounds", "150", "--local-steps", "20", "--eval-every", "150", .. Optimizer]);
            var fedAvg = await RunAsync(network, root, nodes, test, "fedavg",
                ["--rounds", "15", "--local-epochs", "1", "--client-fraction", "1", "--eval-every", "15", "--election-timeout", "1", .. Optimizer]);

            var metrics = Path.Combine(root, "train.jsonl");
            var train = GossipFlProcess.Run(TimeSpan.FromMinutes(5), null,
                ["train", "--topology", Path.Combine(root, "push-sum.yaml"), "--data", nodes[0].Directory, "--data", nodes[1].Directory, "--data", nodes[2].Directory,
                 "--data", nodes[3].Directory, "--label-column", "label", "--test-data", test, "--epochs", "5", "--optimizer", "sgd", "--momentum", "0",
                 "--threads", "2", "--metrics", metrics, .. Optimizer]);
            Assert.True(train.ExitCode == 0, train.Error + train.Output);
            var pooled = File.ReadLines(metrics).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("test_accuracy").GetDouble()).Last();

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test accuracy: centralized on the union {pooled:P2}; OPS per node {string.Join(", ", ops.Select(a => a.ToString("P2", CultureInfo.InvariantCulture)))} (mean {ops.Average():P2}); FedAvg {fedAvg.Average():P2}"));
            Assert.True(ops.Average() >= pooled - Tolerance, $"OPS mean {ops.Average():P2} is more than 3 points below centralized {pooled:P2}");
            Assert.True(fedAvg.Average() >= pooled - Tolerance, $"FedAvg {fedAvg.Average():P2} is more than 3 points below centralized {pooled:P2}");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Runs the four daemons, one per host, to the end; returns each one's last test accuracy.</summary>
    private static async Task<double[]> RunAsync(TestNetwork network, string root, (string Directory, int[] Classes)[] nodes, string test, string algorithm, string[] extra)
    {
        var topology = Path.Combine(root, algorithm + ".yaml");
        var lines = Trusts.Select((trusts, k) => string.Create(CultureInfo.InvariantCulture,
            $"  - {{ name: n{k + 1}, trusts: [{trusts}], address: \"{network.Hosts[k].Address}:{Port}\" }}\n"));
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(lines)
            + $"training:\n  algorithm: {algorithm}\n  model: mlp\n  seed: 5\n" + TaskSection);
        using var daemons = new DaemonProcesses(4);
        for (var k = 0; k < 4; k++)
        {
            string[] label = k == 0 ? ["--label-column", "label"] : [];
            daemons.Start(network.Hosts[k], topology, $"n{k + 1}",
                ["--port", Port.ToString(CultureInfo.InvariantCulture), "--data", nodes[k].Directory, "--test-data", test, "--peer-wait", "60", .. label, .. extra]);
        }

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(5));
        Assert.True(exits.Values.All(code => code == 0), $"{algorithm}: exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");
        foreach (var k in Enumerable.Range(1, 4))
        {
            // Each really learned from the others: it received their models (and its data alone lacks classes).
            Assert.True(LastNodeLine(daemons.DataDirectory($"n{k}")).GetProperty("bytes_received").GetInt64() > 0, $"n{k} received nothing\n{daemons.Logs()}");
        }

        return Enumerable.Range(1, 4).Select(k => LastTestAccuracy(daemons.DataDirectory($"n{k}"))).ToArray();
    }

    private static IEnumerable<JsonElement> NodeLines(string dataDirectory) => File.ReadLines(Path.Combine(dataDirectory, "metrics.jsonl"))
        .Select(line => JsonDocument.Parse(line).RootElement)
        .Where(line => line.GetProperty("kind").GetString() == "node");

    private static JsonElement LastNodeLine(string dataDirectory) => NodeLines(dataDirectory).Last();

    private static double LastTestAccuracy(string dataDirectory) => NodeLines(dataDirectory)
        .Where(line => line.GetProperty("test_accuracy").ValueKind == JsonValueKind.Number)
        .Select(line => line.GetProperty("test_accuracy").GetDouble())
        .Last();
}
