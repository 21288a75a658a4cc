using System.Diagnostics;
using GossipFl.Daemon.Transport;

namespace GossipFl.Daemon.Tests.Transport;

[Collection(HeavyTransfers.Name)]
public sealed class LoopbackTransferTests
{
    [Fact]
    public async Task SendAsync_SmallMessage_ArrivesIntactWithSenderIdentity()
    {
        var (a, b) = await TransportHarness.PairAsync();
        await using (a)
        await using (b)
        {
            var payload = "hello, beta"u8.ToArray();
            await a.SendAsync(b.LocalEndPoint, "beta", payload, TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);

            using var received = await TransportHarness.ReceiveAsync(b);
            TransportHarness.AssertSameBytes(payload, received.Payload.Span);
            Assert.Equal("alpha", received.PeerNode);
            Assert.Equal(a.Fingerprint, received.PeerFingerprint);
            Assert.Equal(a.LocalEndPoint, received.PeerEndPoint);
        }
    }

    [Fact]
    public async Task SendAsync_EmptyMessage_Arrives()
    {
        var (a, b) = await TransportHarness.PairAsync();
        await using (a)
        await using (b)
        {
            await a.SendAsync(b.LocalEndPoint, "beta", ReadOnlyMemory<byte>.Empty, TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);
            using var received = await TransportHarness.ReceiveAsync(b);
            Assert.Equal(0, received.Length);
        }
    }

    [Fact]
    public async Task SendAsync_BothDirectionsOverOneSession_Arrive()
    {
        var (a, b) = await TransportHarness.PairAsync();
        await using (a)
        await using (b)
        {
            await a.SendAsync(b.LocalEndPoint, "beta", "ping"u8.ToArray(), TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);
            await b.SendAsync(a.LocalEndPoint, "alpha", "pong"u8.ToArray(), TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);
            using var atB = await TransportHarness.ReceiveAsync(b);
            using var atA = await TransportHarness.ReceiveAsync(a);
            Assert.Equal("ping"u8.ToArray(), atB.Payload.ToArray());
            Assert.Equal("pong"u8.ToArray(), atA.Payload.ToArray());
            Assert.Equal(1, a.Counters.HandshakesCompleted + b.Counters.HandshakesCompleted - 1);
        }
    }

    [Fact]
    public async Task SendAsync_BurstOf100SmallMessages_AllArrive()
    {
        var (a, b) = await TransportHarness.PairAsync();
        await using (a)
        await using (b)
        {
            var sends = Enumerable.Range(0, 100)
                .Select(i => a.SendAsync(b.LocalEndPoint, "beta", TransportHarness.RandomBytes(10 + (i * 37), i), TimeSpan.FromSeconds(20)))
                .ToArray();
            await Task.WhenAll(sends).WaitAsync(TransportHarness.Wait);

            var seen = new HashSet<int>();
            for (var i = 0; i < 100; i++)
            {
                using var received = await TransportHarness.ReceiveAsync(b);
                var index = (received.Length - 10) / 37;
                TransportHarness.AssertSameBytes(TransportHarness.RandomBytes(10 + (index * 37), index), received.Payload.Span);
                Assert.True(seen.Add(index));
            }

            Assert.Equal(100, b.Counters.MessagesReceived);
        }
    }

    [Fact]
    public async Task SendAsync_FiveMegabytes_ArrivesByteIdentical()
    {
        var (a, b) = await TransportHarness.PairAsync();
        await using (a)
        await using (b)
        {
            var payload = TransportHarness.RandomBytes(5 * 1024 * 1024, 7);
            var watch = Stopwatch.StartNew();
            await a.SendAsync(b.LocalEndPoint, "beta", payload, TimeSpan.FromSeconds(60)).WaitAsync(TransportHarness.Wait);
            using var received = await TransportHarness.ReceiveAsync(b);
            TransportHarness.AssertSameBytes(payload, received.Payload.Span);
            Console.WriteLine($"5 MB loopback in {watch.ElapsedMilliseconds} ms; A: {a.Counters}; B: {b.Counters}");
        }
    }

    [Fact]
    public async Task SendAsync_OverIPv6Loopback_Arrives()
    {
        var bind = new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, 0);
        await using var a = await TransportHarness.StartAsync(TransportHarness.Options("alpha", GossipFl.Daemon.Security.StaticTrustPolicy.Of("beta"), bind: bind));
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", GossipFl.Daemon.Security.StaticTrustPolicy.Of("alpha"), bind: bind));
        var payload = TransportHarness.RandomBytes(300_000, 6);

        await a.SendAsync(b.LocalEndPoint, "beta", payload, TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);
        using var received = await TransportHarness.ReceiveAsync(b);

        TransportHarness.AssertSameBytes(payload, received.Payload.Span);
        Assert.Equal(a.LocalEndPoint, received.PeerEndPoint);
    }

    [Fact]
    public async Task SendAsync_MessageAtThe256MBDefaultMaximum_ArrivesByteIdentical()
    {
        var (a, b) = await TransportHarness.PairAsync();
        await using (a)
        await using (b)
        {
            var payload = TransportHarness.RandomBytes(256 * 1024 * 1024, 8);
            var watch = Stopwatch.StartNew();
            await a.SendAsync(b.LocalEndPoint, "beta", payload, TimeSpan.FromSeconds(100)).WaitAsync(TimeSpan.FromSeconds(110));
            using var received = await TransportHarness.ReceiveAsync(b);

            TransportHarness.AssertSameBytes(payload, received.Payload.Span);
            Console.WriteLine($"256 MB loopback at 1200-byte datagrams in {watch.ElapsedMilliseconds} ms; A: {a.Counters}");
            Assert.Equal(0, b.IncomingBytesTotal);
        }
    }

    [Fact]
    public async Task SendAsync_PreSharedKeyMode_Arrives()
    {
        var psk = TransportHarness.RandomBytes(32, 99);
        var (a, b) = await TransportHarness.PairAsync(psk: psk);
        await using (a)
        await using (b)
        {
            var payload = TransportHarness.RandomBytes(100_000, 3);
            await a.SendAsync(b.LocalEndPoint, "beta", payload, TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);
            using var received = await TransportHarness.ReceiveAsync(b);
            TransportHarness.AssertSameBytes(payload, received.Payload.Span);
            Assert.Null(received.PeerFingerprint);
        }
    }
}
