namespace GossipFl.Daemon.Node;

/// <summary>
/// How a node's round driver reaches its peers: send bytes to a peer by name, and read what peers sent, each
/// with the authenticated name of its sender. The UDP transport implements it for daemons; tests can wire
/// drivers together in memory.
/// </summary>
internal interface IShareExchange
{
    /// <summary>Completes when the peer has acknowledged the whole message; faults with the reason otherwise.</summary>
    Task SendAsync(string peer, ReadOnlyMemory<byte> payload, TimeSpan deadline, CancellationToken cancellation);

    /// <summary>Waits for the next incoming message; the caller disposes it once read.</summary>
    ValueTask<IncomingPayload> ReceiveAsync(CancellationToken cancellation);

    /// <summary>Takes a message that has already arrived, without waiting (the asynchronous driver drains with it).</summary>
    bool TryReceive([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IncomingPayload? payload);
}
