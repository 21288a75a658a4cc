using System.Buffers;
using System.Net;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// A complete message from an authenticated, trusted peer. The payload may live in a pooled buffer: dispose the
/// message when done with it, and do not keep <see cref="Payload"/> afterwards.
/// </summary>
public sealed class ReceivedMessage : IDisposable
{
    private byte[]? _buffer;
    private readonly bool _pooled;
    private readonly int _length;

    internal ReceivedMessage(string peerNode, string? peerFingerprint, IPEndPoint peerEndPoint, byte[] buffer, int length, bool pooled)
    {
        PeerNode = peerNode;
        PeerFingerprint = peerFingerprint;
        PeerEndPoint = peerEndPoint;
        _buffer = buffer;
        _length = length;
        _pooled = pooled;
    }

    /// <summary>The sender's node name, as authenticated by the handshake.</summary>
    public string PeerNode { get; }

    /// <summary>The sender's key fingerprint (identity mode), null in pre-shared-key mode.</summary>
    public string? PeerFingerprint { get; }

    public IPEndPoint PeerEndPoint { get; }

    public ReadOnlyMemory<byte> Payload =>
        _buffer is { } buffer ? buffer.AsMemory(0, _length) : throw new ObjectDisposedException(nameof(ReceivedMessage));

    public int Length => _length;

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null && _pooled)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
