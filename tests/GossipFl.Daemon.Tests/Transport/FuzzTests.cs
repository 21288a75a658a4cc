using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GossipFl.Daemon.Protocol;
using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Tests.Transport;

[Collection(MemoryMeasurements.Name)]
public sealed class FuzzTests
{
    private const int DatagramCount = 100_000;

    [Fact]
    public async Task Receive_100kRandomAndMutatedDatagrams_NothingEscapesMemoryBoundedEveryDatagramCounted()
    {
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha")));
        await using var a = await TransportHarness.StartAsync(TransportHarness.Options("alpha", StaticTrustPolicy.Of("beta")));
        IReadOnlyList<byte[]> captured;
        using (var relay = new ImpairmentRelay(b.LocalEndPoint, seed: 1, drop: 0, duplicate: 0, delay: 0, maxDelayMicros: 100, record: true))
        {
            // Real traffic to mutate: a handshake, a multi-fragment message and small ones. The relay records it and
            // is gone before the fuzzing, so that only fuzz reaches the transport.
            await SendRealTrafficAsync(a, b, relay.FrontEndPoint);
            captured = relay.RecordedTowardTarget;
        }

        Assert.Contains(captured, d => d.Length > 3 && d[3] == (byte)PacketType.Initiation);
        Assert.Contains(captured, d => d.Length > 3 && d[3] == (byte)PacketType.Confirm);
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var receivedBefore = b.Counters.DatagramsReceived;
        var acceptedBefore = b.Counters.DatagramsAccepted;

        using var fuzzer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        fuzzer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var random = new Random(20261122);
        var buffer = new byte[1500];
        var watch = Stopwatch.StartNew();
        for (var sent = 0; sent < DatagramCount;)
        {
            for (var k = 0; k < 500; k++, sent++)
            {
                var length = Generate(random, captured, buffer);
                fuzzer.SendTo(buffer.AsSpan(0, length), SocketFlags.None, b.LocalEndPoint);
            }

            await WaitUntilAsync(() => b.Counters.DatagramsReceived - receivedBefore >= sent, $"the transport received {b.Counters.DatagramsReceived - receivedBefore} of {sent}");
        }

        var counters = b.Counters;
        Console.WriteLine($"fuzz: {DatagramCount} datagrams in {watch.ElapsedMilliseconds} ms; B: {counters}; half-open {b.HalfOpenCount}");
        Assert.Equal(DatagramCount, counters.DatagramsReceived - receivedBefore);
        Assert.Equal(counters.DatagramsReceived, counters.DatagramsAccepted + counters.Wakeups + counters.TotalDropped);
        Assert.True(counters.DroppedMalformed > 0 && counters.DroppedUnauthenticated > 0 && counters.DroppedReplayed > 0);
        Assert.True(counters.DatagramsAccepted - acceptedBefore < DatagramCount / 10, "most fuzz must be dropped");
        Assert.Equal(0, counters.MessagesReceived - 6);
        Assert.Equal(0, b.IncomingBytesTotal);
        Assert.True(b.HalfOpenCount <= 1024);
        var growth = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.True(growth < 32 * 1024 * 1024, $"managed memory grew by {growth} B");

        // And the transport still works (alpha now talks to beta directly; beta follows it to the new address).
        await a.SendAsync(b.LocalEndPoint, "beta", "still alive"u8.ToArray(), TimeSpan.FromSeconds(20)).WaitAsync(TransportHarness.Wait);
        using var last = await TransportHarness.ReceiveAsync(b);
        Assert.Equal("still alive"u8.ToArray(), last.Payload.ToArray());
    }

    private static async Task SendRealTrafficAsync(GossipFl.Daemon.Transport.UdpTransport a, GossipFl.Daemon.Transport.UdpTransport b, IPEndPoint via)
    {
        await a.SendAsync(via, "beta", TransportHarness.RandomBytes(200_000, 1), TimeSpan.FromSeconds(20)).WaitAsync(TransportHarness.Wait);
        for (var i = 0; i < 5; i++)
        {
            await a.SendAsync(via, "beta", TransportHarness.RandomBytes(100, i), TimeSpan.FromSeconds(20)).WaitAsync(TransportHarness.Wait);
        }

        for (var i = 0; i < 6; i++)
        {
            using var message = await TransportHarness.ReceiveAsync(b);
        }
    }

    private static int Generate(Random random, IReadOnlyList<byte[]> captured, byte[] buffer)
    {
        var kind = random.Next(100);
        if (kind < 20)
        {
            var length = random.Next(0, 1400);
            random.NextBytes(buffer.AsSpan(0, length));
            return length;
        }

        if (kind < 40)
        {
            // A plausible header of any type and a random body.
            var length = random.Next(PacketHeader.Size, 1400);
            random.NextBytes(buffer.AsSpan(0, length));
            var connectionId = random.Next(2) == 0 ? BinaryPrimitives.ReadUInt64BigEndian(captured[random.Next(captured.Count)].AsSpan(4)) : (ulong)random.NextInt64();
            new PacketHeader(1, (PacketType)random.Next(0, 7), connectionId, (ulong)random.Next(0, 100_000)).WriteTo(buffer);
            return length;
        }

        var source = captured[random.Next(captured.Count)];
        if (kind < 50)
        {
            source.CopyTo(buffer, 0);
            return source.Length;
        }

        var size = source.Length;
        source.CopyTo(buffer, 0);
        switch (random.Next(3))
        {
            case 0:
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    buffer[random.Next(size)] ^= (byte)random.Next(1, 256);
                }

                break;
            case 1:
                size = random.Next(0, size);
                break;
            default:
                var extra = random.Next(1, Math.Max(2, 1400 - size));
                random.NextBytes(buffer.AsSpan(size, extra));
                size += extra;
                break;
        }

        return size;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"timed out: {what}");
            await Task.Delay(2);
        }
    }
}
