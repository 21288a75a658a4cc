using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GossipFl.Daemon.Security;
using GossipFl.Daemon.Tests.Netns;

namespace GossipFl.Daemon.Tests.Transport;

[Collection(HeavyTransfers.Name)]
public sealed class ImpairedTransferTests
{
    private const int FiftyMegabytes = 50 * 1024 * 1024;

    [Fact]
    public async Task SendAsync_50MBThroughRelayThatReordersDuplicatesAndDrops_ArrivesByteIdentical()
    {
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha")));
        await using var a = await TransportHarness.StartAsync(TransportHarness.Options("alpha", StaticTrustPolicy.Of("beta")));
        using var relay = new ImpairmentRelay(b.LocalEndPoint, seed: 5, drop: 0.01, duplicate: 0.02, delay: 0.02, maxDelayMicros: 3000);
        var payload = TransportHarness.RandomBytes(FiftyMegabytes, 11);

        var watch = Stopwatch.StartNew();
        await a.SendAsync(relay.FrontEndPoint, "beta", payload, TimeSpan.FromSeconds(90)).WaitAsync(TimeSpan.FromSeconds(100));
        using var received = await TransportHarness.ReceiveAsync(b);

        TransportHarness.AssertSameBytes(payload, received.Payload.Span);
        Console.WriteLine($"relay 50 MB in {watch.ElapsedMilliseconds} ms; relay dropped {relay.Dropped} duplicated {relay.Duplicated} delayed {relay.Delayed}; A: {a.Counters}; B: {b.Counters}");
        Assert.True(relay.Dropped > 0 && relay.Duplicated > 0 && relay.Delayed > 0, "the relay impaired nothing");
        Assert.True(b.Counters.DuplicateFragments > 0, "duplicates reached the receiver");
        Assert.Equal(0, b.IncomingBytesTotal);
    }

    [Fact]
    public async Task SendAsync_50MBBetweenNamespacesUnder5PercentLoss_ArrivesByteIdentical()
    {
        Assert.True(
            File.Exists("/usr/sbin/nft") || File.Exists("/sbin/nft"),
            "nft (Debian package nftables) is missing: scripts/setup.sh installs it; for a local run: apt-get install nftables");
        using var network = TestNetwork.Create(2);
        var (h1, h2) = (network.Hosts[0], network.Hosts[1]);
        var s1 = h1.InNamespace(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        var s2 = h2.InNamespace(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        await using var a = await TransportHarness.StartAsync(TransportHarness.Options(
            "alpha", StaticTrustPolicy.Of("beta"), bind: new IPEndPoint(h1.Address, 0), socketFactory: _ => s1));
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options(
            "beta", StaticTrustPolicy.Of("alpha"), bind: new IPEndPoint(h2.Address, 0), socketFactory: _ => s2));
        AddRandomLoss(h1.Namespace, a.LocalEndPoint.Port, percent: 5);
        AddRandomLoss(h2.Namespace, b.LocalEndPoint.Port, percent: 5);
        var payload = TransportHarness.RandomBytes(FiftyMegabytes, 12);

        var watch = Stopwatch.StartNew();
        await a.SendAsync(b.LocalEndPoint, "beta", payload, TimeSpan.FromSeconds(90)).WaitAsync(TimeSpan.FromSeconds(100));
        using var received = await TransportHarness.ReceiveAsync(b);

        TransportHarness.AssertSameBytes(payload, received.Payload.Span);
        var counters = TestNetwork.Run(h2.Namespace, "nft", "list", "chain", "inet", "gflloss", "input");
        Console.WriteLine($"netns 50 MB at 5% loss in {watch.ElapsedMilliseconds} ms; A: {a.Counters}; B: {b.Counters}\n{counters}");
        Assert.True(a.Counters.FragmentsRetransmitted > 0, "nothing was lost, so the loss rule did not apply");
    }

    /// <summary>The nftables recipe of shared/design/TESTING.md: drop a random share of UDP to a port, on input.</summary>
    private static void AddRandomLoss(string netns, int port, int percent)
    {
        TestNetwork.Run(netns, "nft", "add", "table", "inet", "gflloss");
        TestNetwork.Run(netns, "nft", "add", "chain", "inet", "gflloss", "input", "{ type filter hook input priority 0; }");
        TestNetwork.Run(netns, "nft", "add", "rule", "inet", "gflloss", "input", "udp", "dport", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "numgen", "random", "mod", "100", "<", percent.ToString(System.Globalization.CultureInfo.InvariantCulture), "counter", "drop");
    }
}
