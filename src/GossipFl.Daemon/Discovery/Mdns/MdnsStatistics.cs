using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>
/// Counters of what discovery did. Every datagram received is counted exactly once as own, rejected (by
/// reason) or accepted; nothing is dropped without a count. Thread-safe.
/// </summary>
public sealed class MdnsStatistics
{
    private readonly long[] _rejected = new long[Enum.GetValues<DnsRejection>().Max(r => (int)r) + 1];
    private long _received;
    private long _accepted;
    private long _own;
    private long _wrongInterface;
    private long _sent;
    private long _sendFailures;
    private long _conflicts;
    private long _receiveFailures;

    public long Received => Interlocked.Read(ref _received);

    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Our own multicast looped back to us (RFC 6762 §11 loopback is on so local peers see each other).</summary>
    public long Own => Interlocked.Read(ref _own);

    /// <summary>Datagrams that arrived for another interface's membership (the kernel shares port 5353).</summary>
    public long WrongInterface => Interlocked.Read(ref _wrongInterface);

    public long Sent => Interlocked.Read(ref _sent);

    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Name conflicts lost while probing or defending (each led to a rename or a new probe).</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    public long ReceiveFailures => Interlocked.Read(ref _receiveFailures);

    public long Rejected(DnsRejection reason) => Interlocked.Read(ref _rejected[(int)reason]);

    public long RejectedTotal => _rejected.Sum(count => Interlocked.Read(ref count));

    internal void CountReceived() => Interlocked.Increment(ref _received);

    internal void CountAccepted() => Interlocked.Increment(ref _accepted);

    internal void CountOwn() => Interlocked.Increment(ref _own);

    internal void CountWrongInterface() => Interlocked.Increment(ref _wrongInterface);

    internal void CountRejected(DnsRejection reason) => Interlocked.Increment(ref _rejected[(int)reason]);

    internal void CountSent() => Interlocked.Increment(ref _sent);

    internal void CountSendFailure() => Interlocked.Increment(ref _sendFailures);

    internal void CountConflict() => Interlocked.Increment(ref _conflicts);

    internal void CountReceiveFailure() => Interlocked.Increment(ref _receiveFailures);
}
