using GossipFl.Daemon.Security;
using GossipFl.Daemon.Transport;

namespace GossipFl.Daemon.Tests.Transport;

/// <summary>
/// A path that goes dark for longer than every message's deadline (a partition, a pulled cable) and then comes back:
/// the first message sent after it heals must arrive within an ordinary deadline, however long the outage was and
/// however slow the path looked before it.
/// </summary>
[Collection(HeavyTransfers.Name)]
public sealed class OutageRecoveryTests
{
    [Fact]
    public async Task AfterAnOutageOnASlowPath_TheFirstMessageSentOnceItHealsArrivesWithinItsDeadline()
    {
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha")));
        await using var a = await TransportHarness.StartAsync(TransportHarness.Options("alpha", StaticTrustPolicy.Of("beta")));

        // Every datagram held back up to 150 ms each way: round trips of a few hundred milliseconds, as between
        // daemons on a loaded machine, so the sender's probe timeout is long before the outage starts.
        using var relay = new ImpairmentRelay(b.LocalEndPoint, seed: 21, drop: 0, duplicate: 0, delay: 1.0, maxDelayMicros: 150_000);
        for (var i = 0; i < 20; i++)
        {
            await a.SendAsync(relay.FrontEndPoint, "beta", new byte[200], TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);
            (await TransportHarness.ReceiveAsync(b)).Dispose();
        }

        // Twelve seconds dark while the sender keeps trying, as a daemon's heartbeats do: each message fails at its deadline.
        relay.Blackout = true;
        var lost = new List<Task>();
        for (var i = 0; i < 48; i++)
        {
            lost.Add(a.SendAsync(relay.FrontEndPoint, "beta", new byte[200], TimeSpan.FromSeconds(1)));
            await Task.Delay(250);
        }

        foreach (var send in lost)
        {
            var failure = await Assert.ThrowsAsync<TransportException>(() => send.WaitAsync(TransportHarness.Wait));
            // Late in the outage the sender has given up on the session and is handshaking again: unreachable.
            Assert.Contains(failure.Failure, new[] { TransportFailure.DeadlineExceeded, TransportFailure.PeerUnreachable });
        }

        relay.Blackout = false;
        var first = TransportHarness.RandomBytes(300, 22);
        await a.SendAsync(relay.FrontEndPoint, "beta", first, TimeSpan.FromSeconds(3)).WaitAsync(TransportHarness.Wait);
        using var received = await TransportHarness.ReceiveAsync(b, TimeSpan.FromSeconds(3));
        TransportHarness.AssertSameBytes(first, received.Payload.Span);
        Assert.True(relay.Dropped > 0, "the relay dropped nothing: there was no outage");
    }
}
