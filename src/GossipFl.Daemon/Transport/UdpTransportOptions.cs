using System.Net;
using System.Net.Sockets;
using GossipFl.Daemon.Protocol;
using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Transport;

/// <summary>Configuration of a <see cref="UdpTransport"/>. Defaults suit a LAN with a 1500-byte MTU.</summary>
public sealed record UdpTransportOptions
{
    /// <summary>This node's name, sent in handshakes (1-63 bytes of UTF-8).</summary>
    public required string NodeName { get; init; }

    /// <summary>Who may deliver messages to us.</summary>
    public required IPeerTrustPolicy TrustPolicy { get; init; }

    /// <summary>Identity key (identity mode). Required unless <see cref="PreSharedKey"/> is set.</summary>
    public NodeIdentity? Identity { get; init; }

    /// <summary>Cluster pre-shared key (at least 32 bytes). When set, sessions are keyed by it and no signatures are used.</summary>
    public byte[]? PreSharedKey { get; init; }

    public IPEndPoint LocalEndPoint { get; init; } = new(IPAddress.Any, 0);

    /// <summary>Largest UDP payload we send. 1200 fits any IPv4/IPv6 path with a 1280+ MTU; raise it on loopback or jumbo LANs.</summary>
    public int MaxDatagramSize { get; init; } = 1200;

    public long MaxMessageSize { get; init; } = 256L * 1024 * 1024;

    public int MaxIncomingMessagesPerPeer { get; init; } = 16;

    /// <summary>Reassembly memory one peer may hold (messages count at full size from their first fragment).</summary>
    public long MaxIncomingBytesPerPeer { get; init; } = 512L * 1024 * 1024;

    public long MaxIncomingBytesTotal { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Requested SO_RCVBUF and SO_SNDBUF; as root the limits in net.core.*mem_max are bypassed.</summary>
    public int SocketBufferSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Bytes a sender may have in flight to us (advertised in every acknowledgement).</summary>
    public int ReceiveWindow { get; init; } = 16 * 1024 * 1024;

    /// <summary>Upper bound of the congestion window.</summary>
    public int MaxCongestionWindow { get; init; } = 32 * 1024 * 1024;

    /// <summary>Complete messages waiting for the application before we stop granting window.</summary>
    public int IncomingQueueCapacity { get; init; } = 256;

    /// <summary>A partial message that receives nothing for this long is dropped (its sender gave up or vanished).</summary>
    public TimeSpan ReassemblyIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Half-open handshakes a responder keeps at most.</summary>
    public int MaxHalfOpenHandshakes { get; init; } = 1024;

    /// <summary>From this many half-open handshakes on, initiations must carry a cookie.</summary>
    public int CookieThreshold { get; init; } = 64;

    /// <summary>
    /// Batch data datagrams into one system call with UDP generic segmentation offload where the kernel has it
    /// (Linux 4.18+). Only used when at least two datagrams fit in 64 KiB.
    /// </summary>
    public bool UseSegmentationOffload { get; init; } = true;

    /// <summary>Creates the socket (tests use it to make the socket inside a network namespace). Default: a new UDP socket.</summary>
    public Func<AddressFamily, Socket>? SocketFactory { get; init; }

    /// <summary>Diagnostics sink (one line per event worth a log). Default: none.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// What the application needs both ends of a session to share (the daemon's task signature), at most
    /// <see cref="MaxApplicationContextSize"/> bytes. It travels sealed inside each side's handshake proof; a peer
    /// whose context differs gets no session (docs/protocol.md §2, "Application context"). Empty: no check.
    /// </summary>
    public byte[] ApplicationContext { get; init; } = [];

    /// <summary>
    /// Called on the transport's thread when an authenticated peer presents another application context: its name,
    /// its key fingerprint (null with a pre-shared key) and its context. Keep it short; it must not block.
    /// </summary>
    public Action<string, string?, byte[]>? ContextMismatch { get; init; }

    public const int MaxApplicationContextSize = 64;

    internal AuthMode Mode => PreSharedKey is null ? AuthMode.Identity : AuthMode.PreSharedKey;

    internal void Validate()
    {
        if (!WireNames.IsValid(NodeName))
        {
            throw new ArgumentException($"node name must be 1-{WireNames.MaxBytes} bytes of UTF-8", nameof(NodeName));
        }

        ArgumentNullException.ThrowIfNull(TrustPolicy);
        ArgumentNullException.ThrowIfNull(ApplicationContext);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ApplicationContext.Length, MaxApplicationContextSize, nameof(ApplicationContext));
        if (PreSharedKey is { } psk)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(psk.Length, 32, nameof(PreSharedKey));
        }
        else if (Identity is null)
        {
            throw new ArgumentException("identity mode needs an Identity (or set PreSharedKey for PSK mode)", nameof(Identity));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDatagramSize, 256);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxDatagramSize, 65507);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxMessageSize, Array.MaxLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxIncomingMessagesPerPeer, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxIncomingBytesPerPeer, MaxMessageSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxIncomingBytesTotal, MaxIncomingBytesPerPeer);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveWindow, MaxDatagramSize * 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCongestionWindow, MaxDatagramSize * 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(IncomingQueueCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHalfOpenHandshakes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(CookieThreshold);
    }
}
