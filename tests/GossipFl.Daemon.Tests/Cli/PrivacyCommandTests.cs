namespace GossipFl.Daemon.Tests.Cli;

public sealed class PrivacyCommandTests
{
    [Fact]
    public async Task Privacy_Epsilon_PrintsTheSigmaThatReachesIt()
    {
        var (exit, output, error) = await CliRunner.RunAsync("privacy", "--rounds", "30", "--epsilon", "8", "--delta", "1e-5");

        Assert.True(exit == 0, error);
        var lines = output.Trim().Split('\n');
        Assert.StartsWith("sigma ", lines[0], StringComparison.Ordinal);
        var sigma = double.Parse(lines[0]["sigma ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        var epsilon = Learning.Privacy.RdpAccountant.Epsilon(1.0, sigma, 30, 1e-5).Epsilon;
        Assert.InRange(epsilon, 7.99, 8.0 + 1e-3);
        Assert.StartsWith("epsilon 8", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Privacy_Noise_PrintsTheEpsilon_AsTensorFlowPrivacyPublishes()
    {
        // TF Privacy's MNIST tutorial: σ = 1.12, q = 256/60000, 60 epochs of 234 steps, δ = 1e-5, classic conversion: ε = 2.92.
        var (exit, output, error) = await CliRunner.RunAsync(
            "privacy", "--rounds", "14040", "--noise", "1.12", "--sample-rate", "0.004266666666666667", "--conversion", "classic");

        Assert.True(exit == 0, error);
        Assert.Contains("epsilon 2.919", output, StringComparison.Ordinal); // 2.92 to the published two decimals
    }

    [Theory]
    [InlineData(new[] { "--rounds", "10" }, "error: give --epsilon E (to get σ) or --noise SIGMA (to get ε)")]
    [InlineData(new[] { "--rounds", "0", "--epsilon", "1" }, "error: --rounds must be at least 1, got 0")]
    [InlineData(new[] { "--rounds", "5", "--epsilon", "1", "--delta", "2" }, "error: --delta must be in (0, 1), got 2")]
    [InlineData(new[] { "--rounds", "5", "--noise", "-1" }, "error: --noise must be a finite number >= 0, got -1")]
    public async Task Privacy_BadInput_OneErrorLine(string[] arguments, string expected)
    {
        var (exit, _, error) = await CliRunner.RunAsync(["privacy", .. arguments]);

        Assert.Equal(2, exit);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData(new[] { "--dp-clip", "0", "--dp-noise", "1" }, "--dp-clip must be a positive number or inf")]
    [InlineData(new[] { "--dp-noise", "1" }, "--dp-noise needs --dp-clip C")]
    [InlineData(new[] { "--dp-clip", "1", "--dp-noise", "1", "--dp-delta", "0" }, "--dp-delta must be in (0, 1), got 0")]
    [InlineData(new[] { "--dp-clip", "1", "--dp-noise", "1", "--dp-epsilon-budget", "-2" }, "--dp-epsilon-budget must be > 0, got -2")]
    public void Start_BadPrivacyOption_ExitsWithAClearError(string[] options, string expected)
    {
        var result = GossipFlProcess.Run([
            "start", "--topology", RepoPaths.Topology("ring.yaml"), "--node", "node-0", "--no-mdns", "--status-port", "-1",
            "--data-dir", Path.Combine(Path.GetTempPath(), $"gossipfl-bad-dp-{Guid.NewGuid():N}"), .. options]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: " + expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
    }
}
