namespace GossipFl.Daemon.Tests.Cli;

/// <summary>Where <c>--secure-aggregation</c> cannot work, the daemon and the simulator say so in one line.</summary>
public sealed class SecureAggregationOptionTests
{
    [Theory]
    [InlineData(new[] { "--algorithm", "ops" }, "--secure-aggregation sums the updates of FedAvg clients; it does not apply to --algorithm ops")]
    [InlineData(new[] { "--algorithm", "fedavg", "--aggregation", "median" }, "robust rules need each client's update, which secure aggregation hides from the coordinator")]
    [InlineData(new[] { "--algorithm", "fedavg", "--client-fraction", "0.25" }, "samples 2 of 8 peers per round; secure aggregation needs at least 3")]
    [InlineData(new[] { "--algorithm", "fedavg" }, "--secure-aggregation needs every member's identity pinned in")]
    [InlineData(new[] { "--algorithm", "fedavg", "--psk-file", "/nonexistent/cluster.psk" }, "--secure-aggregation with --psk-file: the clients sign their round keys with their identity keys")]
    public void Start_SecureAggregationWhereItCannotWork_ExitsWithOneClearLine(string[] options, string expected)
    {
        var result = GossipFlProcess.Run([
            "start", "--topology", RepoPaths.Topology("ring.yaml"), "--node", "node-0", "--no-mdns", "--status-port", "-1",
            "--data-dir", Path.Combine(Path.GetTempPath(), $"gossipfl-bad-{Guid.NewGuid():N}"), "--secure-aggregation", .. options]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_SecureAggregation_IsRefusedAsDaemonOnly()
    {
        var result = GossipFlProcess.Run("simulate", "--algorithm", "fedavg", "--secure-aggregation", "--rounds", "1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("secure aggregation runs on FedAvg daemons only", result.Error, StringComparison.Ordinal);
    }
}
