using System.Text.Json;

namespace GossipFl.Daemon.Tests.Cli;

public sealed class SimulateCommandTests : IDisposable
{
    private static readonly string[] RoundKeys =
    [
        "kind", "round", "nodes", "alive", "mean_train_loss", "regret", "mean_test_accuracy", "min_test_accuracy",
        "max_test_accuracy", "consensus_distance", "bytes", "messages", "bytes_per_neighbour", "seconds",
    ];

    private static readonly string[] NodeKeys =
        ["kind", "round", "node", "train_loss", "test_loss", "test_accuracy", "weight", "bytes_sent", "bytes_received"];

    private readonly string _dir = Directory.CreateTempSubdirectory("gossipfl-simulate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Simulate_OnlineRun_WritesRoundAndNodeLinesCsvAndRunJson()
    {
        var out1 = Path.Combine(_dir, "a");
        var (exit, _, error) = await CliRunner.RunAsync(
            "simulate", "--online", "--nodes", "8", "--rounds", "20", "--eval-every", "5", "--seed", "3", "--loss", "0.1", "--out", out1);

        Assert.Equal("", error);
        Assert.Equal(0, exit);
        var lines = File.ReadAllLines(Path.Combine(out1, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var rounds = lines.Where(l => l.GetProperty("kind").GetString() == "round").ToArray();
        var nodes = lines.Where(l => l.GetProperty("kind").GetString() == "node").ToArray();
        Assert.Equal(20, rounds.Length);
        Assert.Equal(8 * 4, nodes.Length);
        Assert.All(rounds, r => Assert.Equal(RoundKeys, r.EnumerateObject().Select(p => p.Name)));
        Assert.All(nodes, n => Assert.Equal(NodeKeys, n.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(JsonValueKind.Null, rounds[0].GetProperty("mean_test_accuracy").ValueKind);
        Assert.InRange(rounds[19].GetProperty("mean_test_accuracy").GetDouble(), 0.5, 1.0);
        Assert.Equal(21, File.ReadAllLines(Path.Combine(out1, "rounds.csv")).Length);
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(out1, "run.json")));
        Assert.Equal("ops", run.RootElement.GetProperty("algorithm").GetString());
        Assert.Equal(3UL, run.RootElement.GetProperty("seed").GetUInt64());
        Assert.Equal(0.1, run.RootElement.GetProperty("loss").GetDouble());
    }

    [Fact]
    public async Task Simulate_SameSeedTwice_SameMetricsApartFromTime()
    {
        string[] Run(string dir) => ["simulate", "--online", "--nodes", "6", "--rounds", "15", "--seed", "4", "--churn", "0.1:3", "--delay", "2", "--out", dir];
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        Assert.Equal(0, (await CliRunner.RunAsync(Run(a))).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(Run(b))).ExitCode);

        static IEnumerable<string> WithoutSeconds(string dir) =>
            File.ReadAllLines(Path.Combine(dir, "rounds.csv")).Select(l => string.Join(',', l.Split(',')[..^1]));
        Assert.Equal(WithoutSeconds(a), WithoutSeconds(b));
    }

    [Fact]
    public async Task Simulate_TopologyFileTrainingSection_AppliesUnlessAFlagOverrides()
    {
        var file = Path.Combine(_dir, "t.yaml");
        File.WriteAllText(file, """
            version: 1
            generator:
              name: one-way-trust
              nodes: 6
              seed: 2
              parameters:
                base_degree: 2
                out_degree: 1
            training:
              algorithm: dol
              dataset: synthetic
              rounds: 7
              seed: 9
            """);
        var fromFile = Path.Combine(_dir, "file");
        var overridden = Path.Combine(_dir, "flag");

        Assert.Equal(0, (await CliRunner.RunAsync("simulate", "--topology", file, "--online", "--out", fromFile)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("simulate", "--topology", file, "--online", "--algorithm", "push-sum", "--rounds", "3", "--out", overridden)).ExitCode);

        using var first = JsonDocument.Parse(File.ReadAllText(Path.Combine(fromFile, "run.json")));
        Assert.Equal("dol", first.RootElement.GetProperty("algorithm").GetString());
        Assert.Equal(7, first.RootElement.GetProperty("rounds").GetInt32());
        Assert.Equal(9UL, first.RootElement.GetProperty("seed").GetUInt64());
        using var second = JsonDocument.Parse(File.ReadAllText(Path.Combine(overridden, "run.json")));
        Assert.Equal("ops", second.RootElement.GetProperty("algorithm").GetString());
        Assert.Equal(3, second.RootElement.GetProperty("rounds").GetInt32());
    }

    [Fact]
    public async Task Simulate_LibTorchPeers_TrainAndReportAccuracy()
    {
        var dir = Path.Combine(_dir, "torch");
        var (exit, _, error) = await CliRunner.RunAsync(
            "simulate", "--dataset", "synthetic", "--model", "mlp:16", "--nodes", "4", "--param", "base_degree=2", "--param", "out_degree=1",
            "--partition", "iid", "--rounds", "3", "--local-steps", "5", "--batch-size", "64", "--out", dir);

        Assert.Equal("", error);
        Assert.Equal(0, exit);
        var last = JsonDocument.Parse(File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Last(l => l.Contains("\"round\"", StringComparison.Ordinal) && l.Contains("\"kind\":\"round\"", StringComparison.Ordinal))).RootElement;
        Assert.InRange(last.GetProperty("mean_test_accuracy").GetDouble(), 0.55, 1.0);
    }

    [Theory]
    [InlineData("--algorithm", "gossip", 2, "error: --algorithm: unknown algorithm 'gossip'")]
    [InlineData("--loss", "1.5", 2, "error: --loss must be a probability in [0, 1], got 1.5")]
    [InlineData("--churn", "-0.1", 2, "error: --churn must be a probability in [0, 1], got -0.1")]
    [InlineData("--churn", "0.1:x", 2, "error: --churn must look like P or P:MEAN")]
    [InlineData("--beta", "2", 2, "error: --beta must be a probability in [0, 1], got 2")]
    [InlineData("--local-steps", "0", 2, "error: --local-steps must be at least 1, got 0")]
    [InlineData("--engine", "gpu", 2, "error: --engine must be shared or per-peer")]
    [InlineData("--generator", "torus", 1, "error: unknown generator 'torus'")]
    [InlineData("--compress", "int4", 2, "error: --compress: unknown codec 'int4'; expected none, fp16, int8, sign or topk:FRACTION")]
    [InlineData("--compress", "topk:2", 2, "error: --compress: top-k fraction must be a number in (0, 1], got '2'")]
    [InlineData("--consensus-step", "1.5", 2, "error: --consensus-step must be in (0, 1], got 1.5")]
    public async Task Simulate_BadInput_ExitsWithOneErrorLine(string option, string value, int code, string expected)
    {
        var (exit, _, error) = await CliRunner.RunAsync("simulate", "--online", "--nodes", "6", "--rounds", "2", option, value);

        Assert.Equal(code, exit);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--consensus-step", "abc", "error: Cannot parse argument 'abc' for option '--consensus-step' as a number (see gossipfl simulate --help)")]
    [InlineData("--delay", "ten", "error: Cannot parse argument 'ten' for option '--delay' as a whole number (see gossipfl simulate --help)")]
    [InlineData("--seed", "-1", "error: Cannot parse argument '-1' for option '--seed' as a whole number >= 0 (see gossipfl simulate --help)")]
    [InlineData("--no-such", "--online", "error: Unrecognized command or argument '--no-such' (see gossipfl simulate --help)")]
    public async Task Simulate_ValueThatDoesNotParse_IsOneErrorLine_NotTheHelpText(string option, string value, string expected)
    {
        // System.CommandLine's default printed "as expected type 'System.Nullable`1[System.Double]'" and then the whole help.
        var (exit, output, error) = await CliRunner.RunAsync("simulate", "--online", "--nodes", "6", "--rounds", "2", option, value);

        Assert.Equal(1, exit);
        Assert.Equal(expected, error.TrimEnd());
        Assert.DoesNotContain("Description:", output + error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "strat" }, "error: Unrecognized command or argument 'strat'; did you mean 'start'? (see gossipfl --help)")]
    [InlineData(new[] { "simulate", "--compres", "int8" }, "error: Unrecognized command or argument '--compres'; did you mean '--compress'? (see gossipfl simulate --help)")]
    [InlineData(new[] { "topology", "chek" }, "error: Unrecognized command or argument 'chek'; did you mean 'check'? (see gossipfl topology --help)")]
    [InlineData(new[] { "simulate", "--xyzzy" }, "error: Unrecognized command or argument '--xyzzy' (see gossipfl simulate --help)")]
    public async Task MistypedWord_IsNamedWithTheClosestCommandOrOption_WhenOneIsClose(string[] arguments, string expected)
    {
        var (exit, _, error) = await CliRunner.RunAsync(arguments);

        Assert.Equal(1, exit);
        Assert.Contains(expected, error.Split('\n').Select(line => line.TrimEnd()));
    }

    [Fact]
    public async Task Simulate_DsgdOnADirectedGraph_IsRefusedNamingAOneWayEdge()
    {
        var (exit, _, error) = await CliRunner.RunAsync("simulate", "--online", "--algorithm", "dsgd", "--nodes", "6", "--rounds", "2");

        Assert.Equal(1, exit);
        Assert.Contains("symmetric graph", error, StringComparison.Ordinal);
        Assert.Contains("trusts", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--loss", "0.1", "needs every message to arrive (late is fine: --delay); drop --loss and --churn")]
    [InlineData("--delay", "4", "compressed gossip is measured to converge with messages up to 3 rounds late; --delay 4 is more")]
    [InlineData("--time-varying", null, "needs a fixed graph")]
    [InlineData("--algorithm", "dol", "runs with ops (compressed push-sum), dsgd (CHOCO-SGD) or fedavg, not dol")]
    [InlineData("--aggregation", "clipped:auto", "robust rules and attacks apply to uncompressed gossip and to FedAvg")]
    [InlineData("--attack", "sign-flip:0.2", "robust rules and attacks apply to uncompressed gossip and to FedAvg")]
    public async Task Simulate_CompressionWhereItCannotBeCorrect_IsRefusedInOneLine(string option, string? value, string expected)
    {
        string[] arguments = ["simulate", "--online", "--nodes", "6", "--rounds", "2", "--compress", "int8", option];
        var (exit, _, error) = await CliRunner.RunAsync(value is null ? arguments : [.. arguments, value]);

        Assert.Equal(2, exit);
        Assert.StartsWith("error: --compress int8", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("ops")]
    [InlineData("fedavg")]
    public async Task Simulate_AlieWithAMajorityOfAttackers_IsRefusedInOneLine(string algorithm)
    {
        // 5 of 6 attack: s = ⌊6/2 + 1⌋ − 5 < 1 leaves ALIE's z = Φ⁻¹((n − s)/n) undefined; the run used to crash with a
        // stack trace from Attacks.InverseNormal in its first round.
        var (exit, _, error) = await CliRunner.RunAsync(
            "simulate", "--online", "--algorithm", algorithm, "--nodes", "6", "--rounds", "2", "--client-fraction", "1", "--attack", "alie:0.9");

        Assert.Equal(2, exit);
        Assert.StartsWith("error: --attack alie:0.9: 5 of 6 peers attacking; ALIE is built for a minority (at most 3 of 6", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Simulate_AlieWithHalfThePeersAttacking_Runs()
    {
        var (exit, _, error) = await CliRunner.RunAsync("simulate", "--online", "--nodes", "6", "--rounds", "2", "--attack", "alie:0.5");

        Assert.True(exit == 0, error);
    }

    [Theory]
    [InlineData("ops", "none", "this run sends uncompressed models (--compress none)")]
    [InlineData("fedavg", "int8", "fedavg compresses client updates, which have no consensus step")]
    public async Task Simulate_ConsensusStepWhereNoCompressedGossipRuns_IsRefusedInOneLine(string algorithm, string codec, string expected)
    {
        // γ only scales compressed gossip's mixing; the run used to accept it and quietly do nothing with it.
        var (exit, _, error) = await CliRunner.RunAsync(
            "simulate", "--online", "--algorithm", algorithm, "--nodes", "6", "--rounds", "2", "--compress", codec, "--consensus-step", "0.5");

        Assert.Equal(2, exit);
        Assert.StartsWith("error: --consensus-step 0.5: the consensus step γ is compressed gossip's", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Simulate_TopologyConsensusStep_GivesWayToACompressNoneFlag()
    {
        var file = Path.Combine(_dir, "int8.yaml");
        File.WriteAllText(file, "version: 1\ngenerator:\n  name: ring\n  nodes: 6\ntraining:\n  compress: int8\n  consensus_step: 0.5\n");

        var (exit, _, error) = await CliRunner.RunAsync("simulate", "--topology", file, "--online", "--rounds", "2", "--compress", "none");

        Assert.True(exit == 0, error);
    }

    [Fact]
    public async Task Simulate_AggregationFromTheTopologyFile_IsBlamedOnTheFileNotOnAFlag()
    {
        var file = Path.Combine(_dir, "median.yaml");
        File.WriteAllText(file, "version: 1\ngenerator:\n  name: ring\n  nodes: 6\ntraining:\n  aggregation: median\n");

        var (exit, _, error) = await CliRunner.RunAsync("simulate", "--topology", file, "--online", "--rounds", "2");

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: {file}: training: aggregation: aggregation median needs a server that sees every client (fedavg)", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("krum:1", "0.5", "warning: aggregation krum:1 with 3 client(s) per round: Krum tolerates F only with more than 2F + 2 = 4 clients")]
    [InlineData("trimmed:10", "1", "warning: aggregation trimmed:10 with 6 client(s) per round: dropping 10 values from each side leaves none")]
    [InlineData("median", "0.25", "warning: aggregation median with 2 client(s) per round: the median of fewer than 3 values is their mean, which tolerates no Byzantine client")]
    public async Task Simulate_FedAvgRuleWhoseFTheClientsCannotCarry_RunsButSaysSo(string rule, string fraction, string expected)
    {
        // These rules degrade as docs/algorithms.md says, and used to do it without a word.
        var (exit, _, error) = await CliRunner.RunAsync(
            "simulate", "--online", "--algorithm", "fedavg", "--nodes", "6", "--rounds", "2", "--client-fraction", fraction, "--aggregation", rule);

        Assert.True(exit == 0, error);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.EndsWith($"(--client-fraction {fraction} of 6 peers)", error.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_FedAvgOnOneNode_RunsButSaysNothingIsFederated_AsTopologyCheckDoes()
    {
        var (exit, _, error) = await CliRunner.RunAsync("simulate", "--online", "--algorithm", "fedavg", "--generator", "complete", "--nodes", "1", "--rounds", "2");

        Assert.True(exit == 0, error);
        Assert.Equal(
            "warning: algorithm fedavg on 1 node: the coordinator is its own only client, so every round trains on that node's data alone and nothing is federated",
            error.TrimEnd());
    }

    [Fact]
    public async Task Simulate_FedAvgKrumWithEnoughClients_SaysNothing()
    {
        var (exit, _, error) = await CliRunner.RunAsync(
            "simulate", "--online", "--algorithm", "fedavg", "--nodes", "6", "--rounds", "2", "--client-fraction", "1", "--aggregation", "krum:1");

        Assert.Equal(0, exit);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public async Task Simulate_CompressedGossipThatDiverges_StopsWithOneErrorLine_NotAStackTrace(string threads)
    {
        // Top-1% with γ = 1 (50 times the default) diverges within a thousand rounds; docs/algorithms.md promises the
        // run stops saying so, and it used to end in an unhandled exception (an AggregateException with 2 threads).
        var (exit, _, error) = await CliRunner.RunAsync(
            "simulate", "--online", "--generator", "ring", "--nodes", "10", "--rounds", "3000", "--threads", threads, "--lr", "1",
            "--compress", "topk:0.01", "--consensus-step", "1");

        Assert.Equal(1, exit);
        Assert.Matches(@"^error: node \d+ round \d+: the model is no longer finite; compressed gossip diverged \(try a smaller consensus step than γ = 1\)$", error.TrimEnd());
    }

    [Theory]
    [InlineData("--algorithm", "dol", "training: compress int8 runs with ops (compressed push-sum), dsgd (CHOCO-SGD) or fedavg, not dol")]
    [InlineData("--loss", "0.1", "training: compress int8: compressed gossip tracks each neighbour's estimate and needs every message to arrive")]
    [InlineData("--attack", "sign-flip:0.2", "training: compress int8: compressed gossip runs with --aggregation mean and no --attack so far")]
    public async Task Simulate_CompressionFromTheTopologyFileThatCannotRun_IsBlamedOnTheFileNotOnAFlag(string option, string value, string expected)
    {
        // No --compress was given; the refusal used to say '--compress int8 ...' all the same.
        var file = Path.Combine(_dir, "int8.yaml");
        File.WriteAllText(file, "version: 1\ngenerator:\n  name: ring\n  nodes: 6\ntraining:\n  compress: int8\n");

        var (exit, _, error) = await CliRunner.RunAsync("simulate", "--topology", file, "--online", "--rounds", "2", option, value);

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: {file}: {expected}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_FedAvgWithCompressedUpdates_StillExcludesAnAttackerWithARobustRule()
    {
        // The attacker's crafted reply is compressed like any client's; the coordinator decodes every update and then
        // applies the rule, so compression and robustness compose in FedAvg.
        var dir = Path.Combine(_dir, "fedavg-int8-krum");
        var (exit, _, error) = await CliRunner.RunAsync(
            "simulate", "--online", "--algorithm", "fedavg", "--nodes", "6", "--rounds", "4", "--client-fraction", "1",
            "--compress", "int8", "--aggregation", "krum:1", "--attack", "sign-flip:0.2", "--out", dir);

        Assert.True(exit == 0, error);
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json")));
        Assert.Equal("int8", run.RootElement.GetProperty("compress").GetString());
        Assert.Equal("krum:1", run.RootElement.GetProperty("aggregation").GetString());
        var attacker = Assert.Single(run.RootElement.GetProperty("attackers").EnumerateArray()).GetString();

        // Per-peer totals: the attacker is discarded in every round but the first (all models start at zero, where the
        // flipped one is the same vector), more often than any honest peer.
        var peers = File.ReadLines(Path.Combine(dir, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("kind").GetString() == "peer")
            .ToDictionary(e => e.GetProperty("node").GetString()!, e => e.GetProperty("discarded").GetInt64());
        Assert.Equal(3, peers[attacker!]);
        Assert.All(peers.Where(p => p.Key != attacker), p => Assert.True(p.Value < 3, $"{p.Key} discarded {p.Value} times"));
    }

    [Theory]
    [InlineData("ops", "int8")]
    [InlineData("ops", "topk:0.05")]
    [InlineData("fedavg", "fp16")]
    public async Task Simulate_Compressed_ReportsFewerBytesPerNeighbourThanUncompressed(string algorithm, string codec)
    {
        async Task<(double PerNeighbour, JsonElement Run)> RunWith(string compress)
        {
            var dir = Path.Combine(_dir, $"{algorithm}-{compress.Replace(':', '-')}");
            var (exit, _, error) = await CliRunner.RunAsync(
                "simulate", "--online", "--algorithm", algorithm, "--nodes", "6", "--rounds", "5", "--compress", compress, "--out", dir);
            Assert.True(exit == 0, error);
            var header = File.ReadLines(Path.Combine(dir, "rounds.csv")).First().Split(',');
            var last = File.ReadLines(Path.Combine(dir, "rounds.csv")).Last().Split(',');
            var perNeighbour = double.Parse(last[Array.IndexOf(header, "bytes_per_neighbour")], System.Globalization.CultureInfo.InvariantCulture);
            using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json")));
            return (perNeighbour, run.RootElement.Clone());
        }

        var (plain, _) = await RunWith("none");
        var (compressed, record) = await RunWith(codec);

        Assert.True(compressed < plain, $"{codec}: {compressed} bytes per neighbour, uncompressed {plain}");
        Assert.Equal(codec, record.GetProperty("compress").GetString());
    }
}
