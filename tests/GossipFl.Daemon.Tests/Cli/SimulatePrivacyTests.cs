using System.Globalization;
using System.Text.Json;

namespace GossipFl.Daemon.Tests.Cli;

/// <summary>Peer-level DP in <c>gossipfl simulate</c>: the identity mechanism changes nothing, noise and budgets act.</summary>
public sealed class SimulatePrivacyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gossipfl-simulate-dp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("ops", "one-way-trust")]
    [InlineData("dsgd", "ring")]
    [InlineData("dol", "one-way-trust")]
    [InlineData("fedavg", "one-way-trust")]
    public async Task Simulate_NoNoiseAndNoClipping_IsBitIdenticalToARunWithoutDp(string algorithm, string generator)
    {
        string[] Arguments(string dir) =>
        [
            "simulate", "--dataset", "synthetic", "--model", "mlp:16", "--generator", generator, "--nodes", "6", "--partition", "iid",
            "--algorithm", algorithm, "--client-fraction", "0.5", "--rounds", "4", "--local-steps", "3", "--batch-size", "32", "--eval-every", "2", "--out", dir,
        ];
        var plain = Path.Combine(_dir, "plain");
        var identity = Path.Combine(_dir, "identity");
        var first = await CliRunner.RunAsync(Arguments(plain));
        Assert.True(first.ExitCode == 0, first.Error);
        var second = await CliRunner.RunAsync([.. Arguments(identity), "--dp-clip", "inf", "--dp-noise", "0"]);
        Assert.True(second.ExitCode == 0, second.Error);

        var models = Directory.GetFiles(Path.Combine(plain, "models")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(7, models.Length);
        foreach (var model in models)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(plain, "models", model!)), File.ReadAllBytes(Path.Combine(identity, "models", model!)));
        }

        Assert.Equal(Rounds(plain), Rounds(identity));
        Assert.Equal(NodeLines(plain), NodeLines(identity));
        // σ = 0 is no privacy: ε = ∞ (null in JSON) for every peer that shared an update; a FedAvg peer never sampled spent nothing.
        Assert.All(PeerLines(identity), p => Assert.True(
            p.GetProperty("epsilon").ValueKind == JsonValueKind.Null || p.GetProperty("epsilon").GetDouble() == 0, p.GetRawText()));
        Assert.Contains(PeerLines(identity), p => p.GetProperty("epsilon").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task Simulate_Noise_ChangesTheModels_AndRepeatsUnderTheSameSeed()
    {
        string[] Arguments(string dir, params string[] more) =>
            ["simulate", "--online", "--nodes", "6", "--rounds", "20", "--seed", "5", "--out", dir, .. more];
        var plain = Path.Combine(_dir, "plain");
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        Assert.Equal(0, (await CliRunner.RunAsync(Arguments(plain))).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(Arguments(a, "--dp-clip", "0.5", "--dp-noise", "1"))).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(Arguments(b, "--dp-clip", "0.5", "--dp-noise", "1"))).ExitCode);

        Assert.Equal(Rounds(a), Rounds(b));
        Assert.NotEqual(Rounds(plain), Rounds(a));
        var header = File.ReadLines(Path.Combine(a, "rounds.csv")).First();
        Assert.EndsWith(",max_epsilon,dp_stopped", header, StringComparison.Ordinal);
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(a, "run.json")));
        Assert.Equal(5UL, run.RootElement.GetProperty("dp_noise_seed").GetUInt64());
    }

    [Theory]
    [InlineData("ops")]
    [InlineData("fedavg")]
    public async Task Simulate_EpsilonBudget_StopsEveryPeerBeforeItIsExceeded_AndTheRunFinishes(string algorithm)
    {
        var dir = Path.Combine(_dir, algorithm);
        var (exit, _, error) = await CliRunner.RunAsync(
            "simulate", "--online", "--algorithm", algorithm, "--nodes", "6", "--rounds", "60", "--client-fraction", "1",
            "--dp-clip", "1", "--dp-noise", "2", "--dp-delta", "1e-5", "--dp-epsilon-budget", "5", "--out", dir);

        Assert.True(exit == 0, error);
        var peers = PeerLines(dir);
        Assert.Equal(6, peers.Length);
        foreach (var peer in peers)
        {
            var epsilon = peer.GetProperty("epsilon").GetDouble();
            Assert.InRange(epsilon, 4.0, 5.0);
            Assert.Equal(1e-5, peer.GetProperty("delta").GetDouble());
            Assert.True(peer.TryGetProperty("dp_stopped_before_round", out var stopped), "every peer should have been stopped");
            Assert.InRange(stopped.GetInt64(), 1, 59);
        }

        // Rounds keep completing after the stop; the last one reports every peer stopped.
        var last = File.ReadLines(Path.Combine(dir, "rounds.csv")).Last().Split(',');
        Assert.Equal("60", (long.Parse(last[0], CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture));
        Assert.Equal("6", last[^1]);
    }

    [Fact]
    public async Task Simulate_EpsilonTarget_CalibratesSigmaSoTheRunEndsAtTheTarget()
    {
        var dir = Path.Combine(_dir, "target");
        var (exit, _, error) = await CliRunner.RunAsync(
            "simulate", "--online", "--nodes", "6", "--rounds", "30", "--dp-clip", "1", "--dp-epsilon-target", "8", "--dp-delta", "1e-5", "--out", dir);

        Assert.True(exit == 0, error);
        Assert.All(PeerLines(dir), p => Assert.InRange(p.GetProperty("epsilon").GetDouble(), 7.99, 8.0));
    }

    [Theory]
    [InlineData(new[] { "--dp-clip", "-1", "--dp-noise", "1" }, "error: --dp-clip must be a positive number or inf, got '-1'")]
    [InlineData(new[] { "--dp-clip", "0", "--dp-noise", "1" }, "error: --dp-clip must be a positive number or inf, got '0'")]
    [InlineData(new[] { "--dp-noise", "1" }, "error: --dp-noise needs --dp-clip C")]
    [InlineData(new[] { "--dp-clip", "1" }, "error: peer-level DP needs --dp-noise SIGMA or --dp-epsilon-target EPSILON")]
    [InlineData(new[] { "--dp-clip", "1", "--dp-noise", "-0.5" }, "error: --dp-noise must be a finite number >= 0, got -0.5")]
    [InlineData(new[] { "--dp-clip", "1", "--dp-noise", "1", "--dp-delta", "1" }, "error: --dp-delta must be in (0, 1), got 1")]
    [InlineData(new[] { "--dp-clip", "1", "--dp-noise", "1", "--dp-epsilon-budget", "0" }, "error: --dp-epsilon-budget must be > 0, got 0")]
    [InlineData(new[] { "--dp-clip", "1", "--dp-noise", "1", "--dp-epsilon-target", "2" }, "error: give --dp-noise or --dp-epsilon-target, not both")]
    [InlineData(new[] { "--dp-delta", "1e-5" }, "error: --dp-delta applies to peer-level DP")]
    [InlineData(new[] { "--dp-clip", "inf", "--dp-noise", "1" }, "error: --dp-noise above 0 needs a finite --dp-clip")]
    public async Task Simulate_BadPrivacyOptions_ExitWithOneErrorLine(string[] options, string expected)
    {
        var (exit, _, error) = await CliRunner.RunAsync(["simulate", "--online", "--nodes", "6", "--rounds", "2", .. options]);

        Assert.Equal(2, exit);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Simulate_PrivacyFromTheTopologysTrainingSection_Applies()
    {
        var file = Path.Combine(_dir, "t.yaml");
        File.WriteAllText(file, """
            version: 1
            generator:
              name: one-way-trust
              nodes: 4
              seed: 2
              parameters:
                base_degree: 2
                out_degree: 1
            training:
              dataset: synthetic
              dp_clip: 1
              dp_noise: 2
              dp_delta: 1e-5
              dp_epsilon_budget: 3
            """);
        var dir = Path.Combine(_dir, "file");
        var (exit, _, error) = await CliRunner.RunAsync("simulate", "--online", "--topology", file, "--rounds", "40", "--out", dir);

        Assert.True(exit == 0, error);
        Assert.All(PeerLines(dir), p =>
        {
            Assert.InRange(p.GetProperty("epsilon").GetDouble(), 2.0, 3.0);
            Assert.True(p.TryGetProperty("dp_stopped_before_round", out _), p.GetRawText());
        });
    }

    [Theory]
    [InlineData("ops", "--compress", "int8")]
    [InlineData("dsgd", "--compress", "fp16")]
    [InlineData("ops", "--aggregation", "clipped:auto")]
    [InlineData("fedavg", "--aggregation", "median")]
    [InlineData("fedavg", "--compress", "int8")]
    public async Task Simulate_PrivacyComposesWithCompressionAndRobustAggregation(string algorithm, string option, string value)
    {
        var dir = Path.Combine(_dir, "composed");
        string[] graph = algorithm == "dsgd" ? ["--generator", "ring"] : [];
        var (exit, _, error) = await CliRunner.RunAsync(
            ["simulate", "--online", "--algorithm", algorithm, .. graph, "--nodes", "6", "--rounds", "10", "--client-fraction", "1",
            "--dp-clip", "1", "--dp-noise", "1", "--dp-delta", "1e-5", option, value, "--out", dir]);

        Assert.True(exit == 0, error);
        var expected = Learning.Privacy.RdpAccountant.Epsilon(1.0, 1.0, 10, 1e-5).Epsilon;
        Assert.All(PeerLines(dir), p => Assert.Equal(expected, p.GetProperty("epsilon").GetDouble(), 9));
    }

    [Fact]
    public async Task Report_OfAPrivateRun_HasAPrivacyTableWithEachPeersEpsilon()
    {
        var dir = Path.Combine(_dir, "report");
        Assert.Equal(0, (await CliRunner.RunAsync(
            "simulate", "--online", "--nodes", "6", "--rounds", "8", "--eval-every", "4", "--dp-clip", "1", "--dp-noise", "2", "--dp-delta", "1e-5", "--out", dir)).ExitCode);
        var html = Path.Combine(_dir, "report.html");

        var (exit, _, error) = await CliRunner.RunAsync("report", dir, "-o", html);

        Assert.True(exit == 0, error);
        var text = File.ReadAllText(html);
        Assert.Contains("<h2>Privacy</h2>", text, StringComparison.Ordinal);
        var epsilon = Learning.Privacy.RdpAccountant.Epsilon(1.0, 2.0, 8, 1e-5).Epsilon.ToString("0.###", CultureInfo.InvariantCulture);
        Assert.Contains($"<td>{epsilon}</td><td>1E-05</td>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<h2>Robust aggregation</h2>", text, StringComparison.Ordinal);
    }

    /// <summary>rounds.csv without the wall-clock column and without the DP columns (a run without DP has none).</summary>
    private static string[] Rounds(string dir)
    {
        var lines = File.ReadAllLines(Path.Combine(dir, "rounds.csv"));
        var header = lines[0].Split(',');
        var seconds = Array.IndexOf(header, "seconds");
        var keep = Enumerable.Range(0, header.Length).Where(i => i != seconds && header[i] is not ("max_epsilon" or "dp_stopped")).ToArray();
        return lines.Skip(1).Select(l => l.Split(',')).Select(f => string.Join(',', keep.Select(i => f[i]))).ToArray();
    }

    private static string[] NodeLines(string dir) =>
        Lines(dir, "node").Select(n => string.Join(',', n.EnumerateObject().Where(p => p.Name is not ("epsilon" or "delta")).Select(p => p.Name + "=" + p.Value.GetRawText()))).ToArray();

    private static JsonElement[] PeerLines(string dir) => Lines(dir, "peer");

    private static JsonElement[] Lines(string dir, string kind) =>
        File.ReadLines(Path.Combine(dir, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("kind").GetString() == kind).ToArray();
}
