namespace GossipFl.Daemon.Transport;

/// <summary>The fate of one received datagram; each maps to exactly one counter.</summary>
internal enum Verdict
{
    Accepted,
    Malformed,
    Unauthenticated,
    Untrusted,
    Replayed,
    OverLimit,
    Wakeup,
}
