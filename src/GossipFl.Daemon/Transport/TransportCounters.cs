using System.Globalization;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// What the transport did, for logs and /metrics. Every received datagram ends in exactly one of
/// <see cref="DatagramsAccepted"/>, <see cref="Wakeups"/> or one drop counter, so
/// <see cref="DatagramsReceived"/> = accepted + wakeups + <see cref="TotalDropped"/>.
/// </summary>
public sealed class TransportCounters
{
    private long _datagramsSent;
    private long _datagramsReceived;
    private long _bytesSent;
    private long _bytesReceived;
    private long _datagramsAccepted;
    private long _wakeups;
    private long _messagesSent;
    private long _messagesReceived;
    private long _messagesFailed;
    private long _fragmentsRetransmitted;
    private long _duplicateFragments;
    private long _handshakesCompleted;
    private long _sendErrors;
    private long _droppedMalformed;
    private long _droppedUnauthenticated;
    private long _droppedUntrusted;
    private long _droppedReplayed;
    private long _droppedOverLimit;
    private long _engineAllocatedBytes;
    private long _contextMismatches;

    public long DatagramsSent => Volatile.Read(ref _datagramsSent);

    public long DatagramsReceived => Volatile.Read(ref _datagramsReceived);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    /// <summary>Datagrams that were valid and processed (including harmless duplicates of fragments).</summary>
    public long DatagramsAccepted => Volatile.Read(ref _datagramsAccepted);

    /// <summary>One-byte datagrams the transport sent itself to wake its engine thread.</summary>
    public long Wakeups => Volatile.Read(ref _wakeups);

    public long MessagesSent => Volatile.Read(ref _messagesSent);

    public long MessagesReceived => Volatile.Read(ref _messagesReceived);

    public long MessagesFailed => Volatile.Read(ref _messagesFailed);

    public long FragmentsRetransmitted => Volatile.Read(ref _fragmentsRetransmitted);

    public long DuplicateFragments => Volatile.Read(ref _duplicateFragments);

    public long HandshakesCompleted => Volatile.Read(ref _handshakesCompleted);

    public long SendErrors => Volatile.Read(ref _sendErrors);

    /// <summary>Handshakes refused because the authenticated peer presented another application context (also counted as untrusted).</summary>
    public long ContextMismatches => Volatile.Read(ref _contextMismatches);

    /// <summary>Not a well-formed packet of this protocol and version, or a frame that does not parse.</summary>
    public long DroppedMalformed => Volatile.Read(ref _droppedMalformed);

    /// <summary>Failed authentication: unknown session, AEAD tag mismatch, bad handshake proof or signature.</summary>
    public long DroppedUnauthenticated => Volatile.Read(ref _droppedUnauthenticated);

    /// <summary>Authenticated, but the trust policy refuses the peer (or its pinned key).</summary>
    public long DroppedUntrusted => Volatile.Read(ref _droppedUntrusted);

    /// <summary>A packet number already seen, or too old for the replay window.</summary>
    public long DroppedReplayed => Volatile.Read(ref _droppedReplayed);

    /// <summary>Refused by a resource limit: message size, reassembly memory, half-open handshakes, cookie required.</summary>
    public long DroppedOverLimit => Volatile.Read(ref _droppedOverLimit);

    /// <summary>Bytes the engine thread has allocated since start (to check the hot path stays allocation-free).</summary>
    public long EngineAllocatedBytes => Volatile.Read(ref _engineAllocatedBytes);

    public long TotalDropped => DroppedMalformed + DroppedUnauthenticated + DroppedUntrusted + DroppedReplayed + DroppedOverLimit;

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"sent {DatagramsSent} dgrams/{BytesSent} B, received {DatagramsReceived} dgrams/{BytesReceived} B, accepted {DatagramsAccepted}, " +
        $"messages sent {MessagesSent} received {MessagesReceived} failed {MessagesFailed}, retransmitted {FragmentsRetransmitted}, " +
        $"duplicates {DuplicateFragments}, handshakes {HandshakesCompleted}, dropped: malformed {DroppedMalformed} " +
        $"unauthenticated {DroppedUnauthenticated} untrusted {DroppedUntrusted} replayed {DroppedReplayed} over-limit {DroppedOverLimit}");

    internal void Count(Verdict verdict)
    {
        switch (verdict)
        {
            case Verdict.Accepted: Interlocked.Increment(ref _datagramsAccepted); break;
            case Verdict.Malformed: Interlocked.Increment(ref _droppedMalformed); break;
            case Verdict.Unauthenticated: Interlocked.Increment(ref _droppedUnauthenticated); break;
            case Verdict.Untrusted: Interlocked.Increment(ref _droppedUntrusted); break;
            case Verdict.Replayed: Interlocked.Increment(ref _droppedReplayed); break;
            case Verdict.OverLimit: Interlocked.Increment(ref _droppedOverLimit); break;
            case Verdict.Wakeup: Interlocked.Increment(ref _wakeups); break;
            default: throw new ArgumentOutOfRangeException(nameof(verdict));
        }
    }

    internal void OnSent(int bytes, int datagrams = 1)
    {
        Interlocked.Add(ref _datagramsSent, datagrams);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    internal void OnReceived(int bytes, int datagrams = 1)
    {
        Interlocked.Add(ref _datagramsReceived, datagrams);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    /// <summary>Counts several accepted datagrams at once (one coalesced receive), instead of one interlocked add each.</summary>
    internal void OnAccepted(int datagrams) => Interlocked.Add(ref _datagramsAccepted, datagrams);

    internal void OnMessageSent() => Interlocked.Increment(ref _messagesSent);

    internal void OnMessageReceived() => Interlocked.Increment(ref _messagesReceived);

    internal void OnMessageFailed() => Interlocked.Increment(ref _messagesFailed);

    internal void OnContextMismatch() => Interlocked.Increment(ref _contextMismatches);

    internal void OnRetransmit() => Interlocked.Increment(ref _fragmentsRetransmitted);

    internal void OnDuplicateFragment() => Interlocked.Increment(ref _duplicateFragments);

    internal void OnHandshakeCompleted() => Interlocked.Increment(ref _handshakesCompleted);

    internal void OnSendError() => Interlocked.Increment(ref _sendErrors);

    internal void SetEngineAllocated(long bytes) => Volatile.Write(ref _engineAllocatedBytes, bytes);
}
