using System.Net;
using System.Text.Json;
using GossipFl.Daemon.Status;
using GossipFl.Daemon.Tests.Cli;

namespace GossipFl.Daemon.Tests.Inspection;

public sealed class InspectCommandTests
{
    [Fact]
    public async Task Inspect_Json_ReadsEveryPeerAndComputesConsensusDistance()
    {
        await using var a = await StatusServer.StartAsync(new Node("node-a", [0f, 0f]), IPAddress.Loopback, 0, null, CancellationToken.None);
        await using var b = await StatusServer.StartAsync(new Node("node-b", [2f, 4f]), IPAddress.Loopback, 0, null, CancellationToken.None);
        var dead = new Uri($"http://127.0.0.1:{LoopbackPorts.Reserve()}/");

        var (exitCode, output, error) = await CliRunner.RunAsync(
            "inspect", "--json", "--timeout", "5", "--peer", a.Address.ToString(), "--peer", b.Address.ToString(), "--peer", dead.ToString());

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var peers = json.RootElement.GetProperty("peers").EnumerateArray().ToArray();
        Assert.Equal(3, peers.Length);
        Assert.Equal("node-a", peers[0].GetProperty("status").GetProperty("node").GetString());
        Assert.Equal(JsonValueKind.Null, peers[2].GetProperty("status").ValueKind);
        Assert.Equal("connection refused", peers[2].GetProperty("error").GetString());
        // Mean model (1, 2); each peer is 1 + 4 = 5 away.
        Assert.Equal(5.0, json.RootElement.GetProperty("consensus_distance").GetDouble());
    }

    [Fact]
    public async Task Inspect_NoPeers_IsAUsageError()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("inspect", "--once");

        Assert.Equal(2, exitCode);
        Assert.Contains("name at least one peer with --peer URL", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_InterfaceWithoutDiscover_IsAUsageErrorSayingToAddDiscover()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("inspect", "--peer", "http://127.0.0.1:9/", "--interface", "eth0");

        Assert.Equal(2, exitCode);
        Assert.Contains("--interface chooses where --discover browses; add --discover", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_DiscoverOnAnUnknownInterface_IsAUsageErrorNamingIt()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("inspect", "--discover", "--interface", "nosuch0", "--browse", "1");

        Assert.Equal(2, exitCode);
        Assert.Contains("no network interface named 'nosuch0'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_DiscoverWithoutBrowseTime_IsAUsageError()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("inspect", "--discover", "--browse", "0");

        Assert.Equal(2, exitCode);
        Assert.Contains("--browse more than 0 and at most 3600", error, StringComparison.Ordinal);
    }

    private sealed class Node(string name, float[] model) : INodeStatusSource
    {
        public NodeStatus Snapshot() => new(
            name, "ops", "training", 3, 0.5, null, 0.7, 1.0, 10, 20, new Dictionary<string, long>(), [], DateTimeOffset.UtcNow);

        public (long Round, float[] Parameters)? Model() => (3, model);
    }
}
