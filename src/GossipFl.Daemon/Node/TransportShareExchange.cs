using GossipFl.Daemon.Transport;

namespace GossipFl.Daemon.Node;

/// <summary>Shares over the secure UDP transport, addressed through the <see cref="PeerDirectory"/>.</summary>
internal sealed class TransportShareExchange(UdpTransport transport, PeerDirectory peers) : IShareExchange
{
    public Task SendAsync(string peer, ReadOnlyMemory<byte> payload, TimeSpan deadline, CancellationToken cancellation)
    {
        var endpoint = peers.Find(peer)
            ?? throw new InvalidOperationException($"no address known for {peer} (not discovered by mDNS, no --peer {peer}@host:port, no address in the topology)");
        return transport.SendAsync(endpoint, peer, payload, deadline, cancellation);
    }

    public bool TryReceive([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IncomingPayload? payload)
    {
        payload = transport.Incoming.TryRead(out var message) ? new IncomingPayload(message.PeerNode, message.Payload, message) : null;
        return payload is not null;
    }

    public async ValueTask<IncomingPayload> ReceiveAsync(CancellationToken cancellation)
    {
        var message = await transport.Incoming.ReadAsync(cancellation).ConfigureAwait(false);
        peers.Learn(message.PeerNode, message.PeerEndPoint);
        return new IncomingPayload(message.PeerNode, message.Payload, message);
    }
}
