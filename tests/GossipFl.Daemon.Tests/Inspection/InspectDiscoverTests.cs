using System.Text.Json;
using System.Text.RegularExpressions;
using GossipFl.Daemon.Tests.Discovery.Interop;
using GossipFl.Daemon.Tests.Netns;

namespace GossipFl.Daemon.Tests.Inspection;

/// <summary>
/// `gossipfl inspect --discover` against real daemons, each on its own host of a private namespace LAN
/// (multicast stays inside it). The daemons wait for a third peer that never comes, so they sit idle with their
/// status endpoints up while inspect, on a third host, browses for them.
/// </summary>
[Collection(GossipFl.Daemon.Tests.Node.TimedDaemonRuns.Name)]
public sealed partial class InspectDiscoverTests
{
    private const string Topology = """
        version: 1
        nodes:
          - { name: a, trusts: [b, c] }
          - { name: b, trusts: [a, c] }
          - { name: c, trusts: [a, b] }
        """;

    [Fact]
    public async Task InspectDiscover_ReadsPeersThatAdvertiseStatus_AndTellsHowToExposeTheOthers()
    {
        using var network = TestNetwork.Create(3);
        var root = Directory.CreateTempSubdirectory("gossipfl-inspect-");
        var topology = Path.Combine(root.FullName, "topology.yaml");
        await File.WriteAllTextAsync(topology, Topology);
        var daemons = new List<ToolProcess>();
        try
        {
            // b keeps the default loopback status endpoint: found, but with nothing inspect can read.
            daemons.Add(StartDaemon(network.Hosts[1], topology, root.FullName, "b"));
            await daemons[0].WaitForLineAsync("node b listening on", TimeSpan.FromSeconds(60));
            var failure = Assert.Throws<InvalidOperationException>(() => Inspect(network.Hosts[2], "--once"));
            Assert.Contains("exited 1", failure.Message, StringComparison.Ordinal);
            Assert.Contains("found 1 peer(s) (b at 10.77.0.2) on gl0/IPv4, but none advertises a status endpoint reachable from here", failure.Message, StringComparison.Ordinal);
            Assert.Contains("start them with --status-bind 0.0.0.0", failure.Message, StringComparison.Ordinal);

            daemons.Add(StartDaemon(network.Hosts[0], topology, root.FullName, "a", "--status-bind", "0.0.0.0"));
            await daemons[1].WaitForLineAsync("node a listening on", TimeSpan.FromSeconds(60));
            using var json = JsonDocument.Parse(Inspect(network.Hosts[2], "--json"));
            var peer = Assert.Single(json.RootElement.GetProperty("peers").EnumerateArray());
            Assert.Equal("http://10.77.0.1:9100/", peer.GetProperty("endpoint").GetString());
            Assert.Equal("a", peer.GetProperty("status").GetProperty("node").GetString());
            Assert.Equal("waiting for peers", peer.GetProperty("status").GetProperty("state").GetString());
            var silent = Assert.Single(json.RootElement.GetProperty("without_status_endpoint").EnumerateArray());
            Assert.Equal("b", silent.GetProperty("node").GetString());
            Assert.Equal(["10.77.0.2"], silent.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
            Assert.Contains("--status-bind 0.0.0.0", json.RootElement.GetProperty("hint").GetString(), StringComparison.Ordinal);

            // The table wraps at the console width and colours the note; it is checked with both taken out.
            var table = Whitespace().Replace(AnsiColour().Replace(Inspect(network.Hosts[2], "--once"), ""), " ");
            Assert.Contains("1/1 peers answering", table, StringComparison.Ordinal);
            Assert.Contains("Also found 1 peer(s) (b at 10.77.0.2) without a status endpoint reachable from here", table, StringComparison.Ordinal);
        }
        finally
        {
            daemons.ForEach(d => d.Dispose());
            root.Delete(recursive: true);
        }
    }

    private static ToolProcess StartDaemon(TestHost host, string topology, string root, string node, params string[] extra) =>
        new(host.Start(RequiredTool.DotnetHost, [RequiredTool.GossipFlDll, "start", "--topology", topology, "--node", node,
            "--data-dir", Path.Combine(root, node), "--interface", TestHost.InterfaceName, "--port", "7000", "--status-port", "9100",
            "--model", "logreg", "--dataset", "synthetic", "--partition", "iid", "--rounds", "5", "--peer-wait", "300", "--threads", "1", .. extra]));

    private static string Inspect(TestHost host, string mode) =>
        TestNetwork.Run(host.Namespace, RequiredTool.DotnetHost, RequiredTool.GossipFlDll, "inspect", "--discover",
            "--interface", TestHost.InterfaceName, "--browse", "3", "--timeout", "5", mode);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex AnsiColour();
}
