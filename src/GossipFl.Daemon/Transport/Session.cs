using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// One authenticated session with a peer: its connection ids, keys, replay window, packet numbers in each direction,
/// what we received (for acknowledgements) and what we sent (for loss recovery).
/// </summary>
internal sealed class Session : IDisposable
{
    public Session(Peer peer, ulong localId, ulong remoteId, bool isInitiator, PacketProtection protection, ulong remoteInstance)
    {
        Peer = peer;
        LocalId = localId;
        RemoteId = remoteId;
        IsInitiator = isInitiator;
        Protection = protection;
        RemoteInstance = remoteInstance;
        Confirmed = !isInitiator;
    }

    public Peer Peer { get; }

    public ulong LocalId { get; }

    public ulong RemoteId { get; }

    public bool IsInitiator { get; }

    public PacketProtection Protection { get; }

    public ulong RemoteInstance { get; }

    public ReplayWindow Replay { get; } = new();

    public ReceivedPacketTracker Received { get; } = new();

    public SentPacketLog Sent { get; } = new();

    public ulong NextPacketNumber { get; set; }

    /// <summary>
    /// The initiator knows the responder holds the keys only once an authenticated packet arrives from it; until then
    /// it resends its confirmation instead of data.
    /// </summary>
    public bool Confirmed { get; set; }

    /// <summary>The initiator's confirmation datagram, resent until <see cref="Confirmed"/>.</summary>
    public byte[]? ConfirmDatagram { get; set; }

    public long ConfirmResendAt { get; set; }

    public int ConfirmAttempts { get; set; }

    /// <summary>When a newer session replaced this one (0 while current); it lingers briefly to absorb stragglers.</summary>
    public long RetiredAt { get; set; }

    public bool AckQueued { get; set; }

    public void Dispose() => Protection.Dispose();
}
