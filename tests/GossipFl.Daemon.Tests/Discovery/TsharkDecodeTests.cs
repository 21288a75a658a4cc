using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Tests.Discovery.Interop;
using GossipFl.Daemon.Tests.Netns;

namespace GossipFl.Daemon.Tests.Discovery;

/// <summary>Wireshark's DNS dissector, an independent decoder, reads every packet we send without complaint.</summary>
public sealed class TsharkDecodeTests
{
    [Fact]
    public async Task Tshark_DecodesProbesAnnouncementsQueriesAnswersAndGoodbyes_WithNoMalformedPacket()
    {
        var tshark = RequiredTool.Find("tshark", "tshark");
        using var network = TestNetwork.Create(3);
        var directory = Directory.CreateTempSubdirectory("gossipfl-tshark-").FullName;
        var capture = Path.Combine(directory, "mdns.pcap");
        try
        {
            using (var capturing = new ToolProcess(network.Hosts[2].Start(
                tshark, "-q", "-i", TestHost.InterfaceName, "-f", "udp port 5353", "-a", "duration:6", "-w", capture)))
            {
                await capturing.WaitForLineAsync("Capture started", TimeSpan.FromSeconds(20));
                var a = NamespaceDiscovery.Start(network.Hosts[0], NamespaceDiscovery.Options("node-a", 7001));
                var b = NamespaceDiscovery.Start(network.Hosts[1], NamespaceDiscovery.Options("node-b", 7002, seed: 2));
                Assert.NotNull(await NamespaceDiscovery.WaitUntilAsync(() => a.Peers.Count == 1 && b.Peers.Count == 1, TimeSpan.FromSeconds(5)));
                await a.DisposeAsync();
                await b.DisposeAsync();
                await capturing.WaitForExitAsync(TimeSpan.FromSeconds(20));
            }

            // Malformed packets and expert errors fail; so does any warning except "retransmission", which mDNS
            // does on purpose (three identical probes, two identical announcements: RFC 6762 §8.1, §8.3).
            var malformed = TestNetwork.Run(null, tshark, "-r", capture, "-Y",
                "_ws.malformed || _ws.expert.severity >= \"error\" || (_ws.expert.severity >= \"warning\" && !dns.retransmission)");
            var packets = TestNetwork.Run(null, tshark, "-r", capture, "-Y", "mdns", "-T", "fields",
                "-e", "dns.flags.response", "-e", "dns.count.auth_rr", "-e", "dns.srv.port", "-e", "dns.resp.ttl", "-e", "dns.txt");
            var lines = packets.Split('\n', StringSplitOptions.RemoveEmptyEntries);

            var expert = TestNetwork.Run(null, tshark, "-r", capture, "-q", "-z", "expert");
            Assert.True(malformed.Trim().Length == 0, $"tshark flagged packets:\n{malformed}\n{expert}");
            Assert.Contains(lines, l => l.StartsWith("0\t", StringComparison.Ordinal) && l.Split('\t')[1] != "0");
            Assert.Contains(lines, l => l.StartsWith("1\t", StringComparison.Ordinal) && l.Contains("7001", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("fp=sha256:node-a-key", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("1\t", StringComparison.Ordinal) && l.Split('\t')[3].Split(',').All(t => t == "0"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
