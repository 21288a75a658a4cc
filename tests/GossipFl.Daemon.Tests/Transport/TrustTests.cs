using GossipFl.Daemon.Security;
using GossipFl.Daemon.Transport;

namespace GossipFl.Daemon.Tests.Transport;

public sealed class TrustTests
{
    private static readonly TimeSpan ShortDeadline = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task SendAsync_SenderWithoutTheClusterKey_DeliversNothing()
    {
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha"), psk: TransportHarness.RandomBytes(32, 1)));
        await using var mallory = await TransportHarness.StartAsync(TransportHarness.Options("alpha", StaticTrustPolicy.Of("beta"), psk: TransportHarness.RandomBytes(32, 2)));

        var failure = await Assert.ThrowsAsync<TransportException>(
            () => mallory.SendAsync(b.LocalEndPoint, "beta", "let me in"u8.ToArray(), ShortDeadline).WaitAsync(TransportHarness.Wait));

        Assert.Equal(TransportFailure.PeerUnreachable, failure.Failure);
        Assert.False(b.Incoming.TryRead(out _));
        Assert.Equal(0, b.Counters.MessagesReceived);
        Assert.Equal(0, b.Counters.HandshakesCompleted);
        Assert.True(mallory.Counters.DroppedUnauthenticated > 0, "the response sealed under the real key must fail to open");
    }

    [Fact]
    public async Task SendAsync_AuthenticatedButUntrustedSender_DeliversNothing()
    {
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha")));
        await using var mallory = await TransportHarness.StartAsync(TransportHarness.Options("mallory", StaticTrustPolicy.Of("beta")));

        var failure = await Assert.ThrowsAsync<TransportException>(
            () => mallory.SendAsync(b.LocalEndPoint, "beta", "let me in"u8.ToArray(), ShortDeadline).WaitAsync(TransportHarness.Wait));

        Assert.Equal(TransportFailure.PeerUnreachable, failure.Failure);
        Assert.False(b.Incoming.TryRead(out _));
        Assert.Equal(0, b.Counters.HandshakesCompleted);
        Assert.True(b.Counters.DroppedUntrusted > 0);
    }

    [Fact]
    public async Task SendAsync_ImpostorUsingATrustedNameWithAnotherKey_DeliversNothing()
    {
        using var realAlpha = NodeIdentity.CreateEphemeral();
        var pinned = new StaticTrustPolicy([new TrustedPeer("alpha", realAlpha.Fingerprint)]);
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", pinned));
        await using var impostor = await TransportHarness.StartAsync(TransportHarness.Options("alpha", StaticTrustPolicy.Of("beta")));

        await Assert.ThrowsAsync<TransportException>(
            () => impostor.SendAsync(b.LocalEndPoint, "beta", "let me in"u8.ToArray(), ShortDeadline).WaitAsync(TransportHarness.Wait));

        Assert.False(b.Incoming.TryRead(out _));
        Assert.Equal(0, b.Counters.HandshakesCompleted);
        Assert.True(b.Counters.DroppedUntrusted > 0);

        // The real alpha, with the pinned key, gets through.
        await using var alpha = await TransportHarness.StartAsync(TransportHarness.Options("alpha", StaticTrustPolicy.Of("beta"), identity: realAlpha));
        await alpha.SendAsync(b.LocalEndPoint, "beta", "hello"u8.ToArray(), TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);
        using var received = await TransportHarness.ReceiveAsync(b);
        Assert.Equal(realAlpha.Fingerprint, received.PeerFingerprint);
    }

    [Fact]
    public async Task SendAsync_UntrustedPeerAnsweringOverASessionWeOpened_DeliversNothing()
    {
        // beta sends to mallory (mallory trusts beta), so a session exists; beta does not trust mallory.
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha")));
        await using var mallory = await TransportHarness.StartAsync(TransportHarness.Options("mallory", StaticTrustPolicy.Of("beta")));
        await b.SendAsync(mallory.LocalEndPoint, "mallory", "for you"u8.ToArray(), TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);
        using (await TransportHarness.ReceiveAsync(mallory))
        {
        }

        var failure = await Assert.ThrowsAsync<TransportException>(
            () => mallory.SendAsync(b.LocalEndPoint, "beta", "back at you"u8.ToArray(), ShortDeadline).WaitAsync(TransportHarness.Wait));

        Assert.Equal(TransportFailure.DeadlineExceeded, failure.Failure);
        Assert.False(b.Incoming.TryRead(out _));
        Assert.True(b.Counters.DroppedUntrusted > 0);
        Assert.Equal(0, b.IncomingBytesTotal);
    }

    [Fact]
    public async Task SendAsync_PeerWithAnotherKeyThanPinned_IsRejectedBySender()
    {
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha")));
        var pinned = new StaticTrustPolicy([new TrustedPeer("beta", new string('0', 64))]);
        await using var a = await TransportHarness.StartAsync(TransportHarness.Options("alpha", pinned));

        var failure = await Assert.ThrowsAsync<TransportException>(
            () => a.SendAsync(b.LocalEndPoint, "beta", "secret"u8.ToArray(), TimeSpan.FromSeconds(5)).WaitAsync(TransportHarness.Wait));

        Assert.Equal(TransportFailure.Rejected, failure.Failure);
        Assert.False(b.Incoming.TryRead(out _));
    }
}
