using System.Text.Json;
using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Tests.Discovery.Interop;
using GossipFl.Daemon.Tests.Netns;

namespace GossipFl.Daemon.Tests.Discovery;

/// <summary>`gossipfl peers` as a user runs it: the real executable inside a namespace host.</summary>
public sealed class PeersCommandTests
{
    [Fact]
    public async Task Peers_Json_ListsANodeRunningInAnotherNamespace_WithEveryField()
    {
        using var network = TestNetwork.Create(2);
        var options = NamespaceDiscovery.Options("node-1", 7001);
        options.StatusPort = 9101;
        var service = NamespaceDiscovery.Start(network.Hosts[0], options);
        await using (service)
        {
            var output = TestNetwork.Run(network.Hosts[1].Namespace, RequiredTool.DotnetHost,
                RequiredTool.GossipFlDll, "peers", "--interface", TestHost.InterfaceName, "--timeout", "3", "--json");

            using var json = JsonDocument.Parse(output);
            Assert.Equal(["gl0/IPv4"], json.RootElement.GetProperty("links").EnumerateArray().Select(l => l.GetString()));
            var peer = Assert.Single(json.RootElement.GetProperty("peers").EnumerateArray());
            Assert.Equal("node-1", peer.GetProperty("instance").GetString());
            Assert.Equal("node-1", peer.GetProperty("node").GetString());
            Assert.Equal(["10.77.0.1"], peer.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
            Assert.Equal(7001, peer.GetProperty("port").GetInt32());
            Assert.Equal(1, peer.GetProperty("protocolVersion").GetInt32());
            Assert.Equal("sha256:node-1-key", peer.GetProperty("fingerprint").GetString());
            Assert.Equal(9101, peer.GetProperty("statusPort").GetInt32());
            Assert.InRange(peer.GetProperty("ttlSeconds").GetInt32(), 100, 120);
        }
    }

    [Fact]
    public async Task Peers_Table_ShowsTheNodeNamePortAndFingerprint()
    {
        using var network = TestNetwork.Create(2);
        var service = NamespaceDiscovery.Start(network.Hosts[0], NamespaceDiscovery.Options("node-1", 7001));
        await using (service)
        {
            var output = TestNetwork.Run(network.Hosts[1].Namespace, RequiredTool.DotnetHost,
                RequiredTool.GossipFlDll, "peers", "-i", TestHost.InterfaceName, "--timeout", "2");

            Assert.Contains("node-1", output, StringComparison.Ordinal);
            Assert.Contains("7001", output, StringComparison.Ordinal);
            Assert.Contains("10.77.0.1", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Peers_OnAnEmptyLink_SaysSoAndSuggestsWhatToCheck()
    {
        using var network = TestNetwork.Create(1);

        var output = TestNetwork.Run(network.Hosts[0].Namespace, RequiredTool.DotnetHost,
            RequiredTool.GossipFlDll, "peers", "--interface", TestHost.InterfaceName, "--timeout", "1");

        Assert.Contains("No GossipFl peers answered on gl0/IPv4", output, StringComparison.Ordinal);
        Assert.Contains("avahi-browse", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Peers_UnknownInterface_IsAUserErrorWithExitCode2()
    {
        using var network = TestNetwork.Create(1);

        var failure = Assert.Throws<InvalidOperationException>(() => TestNetwork.Run(network.Hosts[0].Namespace,
            RequiredTool.DotnetHost, RequiredTool.GossipFlDll, "peers", "--interface", "nosuch0", "--timeout", "1"));

        Assert.Contains("exited 2", failure.Message, StringComparison.Ordinal);
        Assert.Contains("error: no network interface named 'nosuch0'", failure.Message, StringComparison.Ordinal);
    }
}
