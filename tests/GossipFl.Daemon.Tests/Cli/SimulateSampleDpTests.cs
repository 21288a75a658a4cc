using System.Text.Json;
using GossipFl.Learning.Privacy;

namespace GossipFl.Daemon.Tests.Cli;

/// <summary>Sample-level DP-SGD in <c>gossipfl simulate</c>: options, refusals, the ε reported and the budget.</summary>
public sealed class SimulateSampleDpTests : IDisposable
{
    // 100,000 synthetic training events split IID over 5 peers: 20,000 each.
    private const int PeerSamples = 20_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("gossipfl-simulate-sdp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] Run(string dir, string algorithm, int rounds, params string[] more) =>
    [
        "simulate", "--dataset", "synthetic", "--model", "mlp:16", "--nodes", "5", "--partition", "iid", "--algorithm", algorithm,
        "--client-fraction", "1", "--rounds", rounds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--local-steps", "3",
        "--batch-size", "32", "--eval-every", "2", "--out", dir, .. more,
    ];

    [Theory]
    [InlineData("ops", 4, 3)]
    [InlineData("fedavg", 2, (PeerSamples + 31) / 32)]
    public async Task Simulate_SampleLevel_ReportsTheEpsilonOfRoundsTimesStepsSampledGaussians(string algorithm, int rounds, int stepsPerRound)
    {
        var dir = Path.Combine(_dir, algorithm);
        var (exit, _, error) = await CliRunner.RunAsync(Run(dir, algorithm, rounds, "--dp-sample-clip", "1", "--dp-sample-noise", "1.1", "--dp-delta", "1e-5"));

        Assert.True(exit == 0, error);
        // Gossip: 3 local steps a round; FedAvg: one local epoch, ⌈n / B⌉ steps. Each step is a sampled Gaussian with
        // q = B / n (computed here, not read from the run).
        var expected = RdpAccountant.Epsilon(32.0 / PeerSamples, 1.1, (long)rounds * stepsPerRound, 1e-5).Epsilon;
        var peers = PeerLines(dir);
        Assert.Equal(5, peers.Length);
        Assert.All(peers, p => Assert.Equal(expected, p.GetProperty("epsilon").GetDouble(), 9));
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json")));
        Assert.Equal("sample-level", run.RootElement.GetProperty("dp_level").GetString());
        Assert.Equal(1.1, run.RootElement.GetProperty("dp_sample_noise").GetDouble());
        Assert.Equal(JsonValueKind.Null, run.RootElement.GetProperty("dp_clip").ValueKind);
    }

    [Fact]
    public async Task Simulate_SampleLevel_NoiseChangesTheModels_AndRepeatsUnderTheSameSeed()
    {
        var plain = Path.Combine(_dir, "plain");
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        Assert.Equal(0, (await CliRunner.RunAsync(Run(plain, "ops", 2))).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(Run(a, "ops", 2, "--dp-sample-clip", "1", "--dp-sample-noise", "1"))).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(Run(b, "ops", 2, "--dp-sample-clip", "1", "--dp-sample-noise", "1"))).ExitCode);

        var models = Directory.GetFiles(Path.Combine(a, "models")).Select(Path.GetFileName).Order().ToArray();
        Assert.NotEmpty(models);
        foreach (var model in models)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, "models", model!)), File.ReadAllBytes(Path.Combine(b, "models", model!)));
        }

        Assert.NotEqual(File.ReadAllBytes(Path.Combine(plain, "models", models[0]!)), File.ReadAllBytes(Path.Combine(a, "models", models[0]!)));
    }

    [Fact]
    public async Task Simulate_SampleLevelBudget_StopsEveryPeerBeforeItIsExceeded()
    {
        var dir = Path.Combine(_dir, "budget");
        // With σ = 0.6 the first round (3 steps) reaches ε ≈ 2.14 and each further round adds a few hundredths.
        var (exit, _, error) = await CliRunner.RunAsync(Run(dir, "ops", 6, "--dp-sample-clip", "1", "--dp-sample-noise", "0.6", "--dp-delta", "1e-5", "--dp-epsilon-budget", "2.2"));

        Assert.True(exit == 0, error);
        var perRound = Enumerable.Range(1, 6).Select(r => RdpAccountant.Epsilon(32.0 / PeerSamples, 0.6, r * 3, 1e-5).Epsilon).ToArray();
        var allowed = perRound.Count(e => e <= 2.2);
        Assert.InRange(allowed, 1, 5);
        Assert.All(PeerLines(dir), p =>
        {
            Assert.Equal(perRound[allowed - 1], p.GetProperty("epsilon").GetDouble(), 9);
            // Rounds count from 0: after `allowed` rounds the next one is round `allowed`.
            Assert.Equal(allowed, p.GetProperty("dp_stopped_before_round").GetInt64());
        });
    }

    [Theory]
    [InlineData(new[] { "--dp-sample-clip", "1", "--dp-sample-noise", "1", "--dp-clip", "1", "--dp-noise", "1" }, "error: peer-level and sample-level DP protect different things; choose one")]
    [InlineData(new[] { "--dp-sample-clip", "1", "--dp-sample-noise", "1", "--dp-epsilon-target", "2" }, "error: peer-level and sample-level DP protect different things; choose one")]
    [InlineData(new[] { "--dp-sample-clip", "1" }, "error: --dp-sample-clip needs --dp-sample-noise SIGMA")]
    [InlineData(new[] { "--dp-sample-noise", "1" }, "error: --dp-sample-noise needs --dp-sample-clip C")]
    [InlineData(new[] { "--dp-sample-clip", "0", "--dp-sample-noise", "1" }, "error: --dp-sample-clip must be a positive finite number, got 0")]
    [InlineData(new[] { "--dp-sample-clip", "1", "--dp-sample-noise", "-1" }, "error: --dp-sample-noise must be a finite number >= 0, got -1")]
    [InlineData(new[] { "--dp-sample-clip", "1", "--dp-sample-noise", "1", "--dp-delta", "2" }, "error: --dp-delta must be in (0, 1), got 2")]
    public async Task Simulate_BadSampleLevelOptions_ExitWithOneErrorLine(string[] options, string expected)
    {
        var (exit, _, error) = await CliRunner.RunAsync(["simulate", "--dataset", "synthetic", "--model", "mlp:16", "--nodes", "5", "--rounds", "2", .. options]);

        Assert.Equal(2, exit);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Simulate_SampleLevelWithTheOnlineLearner_IsRefusedWithOneLine()
    {
        var (exit, _, error) = await CliRunner.RunAsync("simulate", "--online", "--nodes", "5", "--rounds", "2", "--dp-sample-clip", "1", "--dp-sample-noise", "1");

        Assert.Equal(2, exit);
        Assert.StartsWith("error: --dp-sample-clip: the online logistic learner", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Simulate_SampleLevelFromTheTopologysTrainingSection_Applies()
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
              dp_sample_clip: 1
              dp_sample_noise: 1.1
              dp_delta: 1e-5
            """);
        var dir = Path.Combine(_dir, "file");
        var (exit, _, error) = await CliRunner.RunAsync(
            "simulate", "--topology", file, "--model", "mlp:16", "--partition", "iid", "--rounds", "2", "--local-steps", "3", "--batch-size", "32", "--out", dir);

        Assert.True(exit == 0, error);
        // The file's 4 peers hold 25,000 events each.
        var expected = RdpAccountant.Epsilon(32.0 / 25_000, 1.1, 2 * 3, 1e-5).Epsilon;
        Assert.All(PeerLines(dir), p => Assert.Equal(expected, p.GetProperty("epsilon").GetDouble(), 9));
    }

    private static JsonElement[] PeerLines(string dir) =>
        File.ReadLines(Path.Combine(dir, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("kind").GetString() == "peer").ToArray();
}
