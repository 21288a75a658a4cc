namespace GossipFl.Daemon.Transport;

/// <summary>Why a send failed.</summary>
public enum TransportFailure
{
    /// <summary>A session existed but the message was not fully acknowledged before the caller's deadline.</summary>
    DeadlineExceeded = 1,

    /// <summary>No authenticated session could be made before the deadline: no answer, or the peer refused us.</summary>
    PeerUnreachable = 2,

    /// <summary>We refuse the peer: its identity does not match the fingerprint pinned for its name.</summary>
    Rejected = 3,

    /// <summary>The message is larger than the configured maximum.</summary>
    MessageTooLarge = 4,

    /// <summary>The transport was disposed before the send completed.</summary>
    Disposed = 5,

    /// <summary>The peer authenticated but presented another application context (it runs another task).</summary>
    ContextMismatch = 6,
}
