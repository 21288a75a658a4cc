using System.Net;
using System.Net.Sockets;

namespace GossipFl.Daemon.Tests.Cli;

public sealed class StartCommandTests
{
    [Fact]
    public void Start_NodeNotInTheTopology_SaysWhichNodesThereAreInOneLine()
    {
        var result = GossipFlProcess.Run("start", "--topology", RepoPaths.Topology("ring.yaml"), "--node", "zed", "--no-mdns", "--status-port", "-1",
            "--data-dir", Path.Combine(Path.GetTempPath(), $"gossipfl-zed-{Guid.NewGuid():N}"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: node 'zed' is not in", result.Error, StringComparison.Ordinal);
        Assert.Contains("node-0, node-1", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--rounds", "0", "rounds, local steps, batch size and threads must be at least 1")]
    [InlineData("--lr", "-1", "--lr and --round-deadline must be positive")]
    [InlineData("--algorithm", "centralized", "does not run on a daemon; it runs ops (push-sum), dsgd, dol or fedavg")]
    [InlineData("--quorum", "4", "quorum 4 is outside 5..8 for 8 nodes")]
    [InlineData("--client-fraction", "1.5", "--client-fraction in (0, 1]")]
    [InlineData("--election-timeout", "0.01", "--election-timeout must be at least 0.2 s")]
    [InlineData("--mode", "later", "--mode must be sync or async (got 'later')")]
    [InlineData("--attack", "sign-flip:0.5", "--attack: attack 'sign-flip:0.5': a daemon is one peer, which attacks or not, so it takes no fraction; give the kind alone (sign-flip)")]
    [InlineData("--staleness", "-1", "--staleness at least 0 (got -1)")]
    [InlineData("--compress", "int4", "--compress: unknown codec 'int4'")]
    [InlineData("--consensus-step", "0", "--consensus-step must be in (0, 1], got 0")]
    [InlineData("--consensus-step", "0.5", "--consensus-step 0.5: the consensus step γ is compressed gossip's (ops or dsgd with --compress fp16, int8, sign or topk:F), and this run sends uncompressed models")]
    public void Start_ImpossibleSetting_ExitsWithAClearError(string option, string value, string expected)
    {
        var result = GossipFlProcess.Run("start", "--topology", RepoPaths.Topology("ring.yaml"), "--node", "node-0", "--no-mdns", "--status-port", "-1",
            "--data-dir", Path.Combine(Path.GetTempPath(), $"gossipfl-bad-{Guid.NewGuid():N}"), option, value);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--algorithm dol", "dol has no compressed form")]
    [InlineData("--algorithm fedavg --secure-aggregation", "not with --secure-aggregation, whose masks cancel only over whole fixed-point updates")]
    [InlineData("--mode async", "compressed gossip folds every change of a peer's estimate by its round with fixed mixing weights")]
    public void Start_CompressionWhereTheDaemonCannotRunIt_ExitsWithOneClearLine(string options, string expected)
    {
        var result = GossipFlProcess.Run(["start", "--topology", RepoPaths.Topology("ring.yaml"), "--node", "node-0", "--no-mdns", "--status-port", "-1",
            "--data-dir", Path.Combine(Path.GetTempPath(), $"gossipfl-bad-{Guid.NewGuid():N}"), "--compress", "int8", .. options.Split(' ')]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--compress int8: ", result.Error, StringComparison.Ordinal);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--algorithm dol", "dol has no compressed form")]
    [InlineData("--mode async", "compressed gossip folds every change of a peer's estimate by its round with fixed mixing weights")]
    public void Start_CompressionFromTheTopologysTrainingSection_IsNamedThere_NotAsAFlag(string options, string expected)
    {
        // The user typed no --compress; a refusal naming it would send them looking for a flag that is not there.
        var topology = Path.Combine(Path.GetTempPath(), $"gossipfl-compress-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(topology, "version: 1\ngenerator:\n  name: ring\n  nodes: 4\ntraining:\n  compress: int8\n");
        try
        {
            var result = GossipFlProcess.Run(["start", "--topology", topology, "--node", "node-0", "--no-mdns", "--status-port", "-1",
                "--data-dir", Path.Combine(Path.GetTempPath(), $"gossipfl-bad-{Guid.NewGuid():N}"), .. options.Split(' ')]);

            Assert.NotEqual(0, result.ExitCode);
            Assert.StartsWith($"error: {topology}: training: compress int8: ", result.Error, StringComparison.Ordinal);
            Assert.Contains(expected, result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("--compress", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(topology);
        }
    }

    [Fact]
    public void Start_PortHeldByAnotherProcess_SaysSoInOneLine_AndHowToChooseAnother()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        var result = GossipFlProcess.Run("start", "--topology", RepoPaths.Topology("ring.yaml"), "--node", "node-0", "--no-mdns", "--status-port", "-1",
            "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--data-dir", Path.Combine(Path.GetTempPath(), $"gossipfl-busy-{Guid.NewGuid():N}"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: cannot listen for peers on 127.0.0.1:{port}/udp: the port is already in use", result.Error, StringComparison.Ordinal);
        Assert.Contains("choose another with --port", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_StatusPortHeldByAnotherProcess_SaysSoInOneLine()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var result = GossipFlProcess.Run("start", "--topology", RepoPaths.Topology("ring.yaml"), "--node", "node-0", "--no-mdns",
            "--bind", "127.0.0.1", "--port", "0", "--status-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--data-dir", Path.Combine(Path.GetTempPath(), $"gossipfl-busy-{Guid.NewGuid():N}"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: cannot serve the status endpoint on 127.0.0.1:{port}/tcp: the port is already in use", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_MissingTopologyFile_NamesIt()
    {
        var result = GossipFlProcess.Run("start", "--topology", "/nonexistent/topology.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("/nonexistent/topology.yaml", result.Error, StringComparison.Ordinal);
    }
}
