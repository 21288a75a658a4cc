namespace GossipFl.Daemon.Tests.Cli;

/// <summary><c>gossipfl start</c> refuses sample-level DP settings it cannot honour with one line naming the option.</summary>
public sealed class StartSampleDpTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gossipfl-start-sdp-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(new[] { "--dp-sample-clip", "1", "--dp-sample-noise", "1", "--dp-clip", "1", "--dp-noise", "1" }, "peer-level and sample-level DP protect different things; choose one")]
    [InlineData(new[] { "--dp-sample-clip", "1" }, "--dp-sample-clip needs --dp-sample-noise SIGMA")]
    [InlineData(new[] { "--dp-sample-clip", "-2", "--dp-sample-noise", "1" }, "--dp-sample-clip must be a positive finite number, got -2")]
    public void Start_BadSampleLevelOptions_ExitWithOneErrorLine(string[] options, string expected)
    {
        var topology = Path.Combine(_root, "pair.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n  - name: a\n    trusts: [b]\n  - name: b\n    trusts: [a]\n");

        var result = GossipFlProcess.Run(["start", "--topology", topology, "--node", "a", "--no-mdns", "--status-port", "-1",
            "--data-dir", Path.Combine(_root, "state"), "--peer-wait", "0", "--rounds", "1", .. options]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }
}
