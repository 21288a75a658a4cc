namespace GossipFl.Daemon.Node;

/// <summary>A message from an authenticated peer; disposing it returns its buffer to the pool it came from.</summary>
internal sealed class IncomingPayload(string sender, ReadOnlyMemory<byte> payload, IDisposable? owner) : IDisposable
{
    public string Sender { get; } = sender;

    public ReadOnlyMemory<byte> Payload { get; } = payload;

    public void Dispose() => owner?.Dispose();
}
