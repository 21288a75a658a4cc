using System.Net;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// Everything the transport knows about one remote node (keyed by its node name): where it is, its current session,
/// the messages we send it, and the messages we reassemble from it.
/// </summary>
internal sealed class Peer
{
    private readonly HashSet<ulong> _deliveredAbove = [];

    public Peer(string name, SocketAddress address, IPEndPoint endPoint, int maxDatagram, long maxWindow)
    {
        Name = name;
        Address = address;
        EndPoint = endPoint;
        Congestion = new CongestionController(maxDatagram, maxWindow);
    }

    public string Name { get; }

    public SocketAddress Address { get; set; }

    public IPEndPoint EndPoint { get; set; }

    public Session? Session { get; set; }

    public InitiatorHandshake? Pending { get; set; }

    public string? Fingerprint { get; set; }

    /// <summary>Whether the trust policy lets this peer deliver messages to us (decided when the session was made).</summary>
    public bool MayDeliver { get; set; }

    /// <summary>The peer's process instance behind the current receive state; a new one means it restarted.</summary>
    public ulong RemoteInstance { get; set; }

    // Sending.
    public ulong NextMessageId { get; set; } = 1;

    public List<OutgoingMessage> Outgoing { get; } = [];

    public Queue<(OutgoingMessage Message, uint Fragment)> Retransmit { get; } = new();

    public RttEstimator Rtt { get; } = new();

    public CongestionController Congestion { get; }

    /// <summary>Bytes the peer lets us have in flight (from its last acknowledgement).</summary>
    public long PeerWindow { get; set; } = 256 * 1024;

    public long ProbeTimeoutAt { get; set; }

    public int ProbeTimeouts { get; set; }

    /// <summary>Probe packets that may still be sent beyond the congestion window after a probe timeout.</summary>
    public int ProbeBudget { get; set; }

    public long WindowProbeAt { get; set; }

    /// <summary>Earliest time pacing allows the next packet (0 when not waiting on pacing).</summary>
    public long PacedUntil { get; set; }

    // Receiving.
    public Dictionary<ulong, IncomingMessage> Incoming { get; } = [];

    public long IncomingBytes { get; set; }

    /// <summary>Every message id below this is delivered or abandoned.</summary>
    public ulong DeliveredBelow { get; private set; } = 1;

    public bool HasWork => Outgoing.Count > 0;

    public bool IsDelivered(ulong id) => id < DeliveredBelow || _deliveredAbove.Contains(id);

    /// <summary>
    /// Remembers a finished (or abandoned) message id. Ids are consecutive per sender, so a watermark plus the few ids
    /// above it stay small; if a sender abandons an id we never saw, the set would grow, so past 1024 entries the
    /// watermark jumps to the lowest id still pending or remembered.
    /// </summary>
    public void MarkDelivered(ulong id)
    {
        if (id < DeliveredBelow)
        {
            return;
        }

        _deliveredAbove.Add(id);
        if (_deliveredAbove.Count > 1024)
        {
            var floor = _deliveredAbove.Min();
            foreach (var pending in Incoming.Keys)
            {
                floor = Math.Min(floor, pending);
            }

            DeliveredBelow = Math.Max(DeliveredBelow, floor);
        }

        while (_deliveredAbove.Remove(DeliveredBelow))
        {
            DeliveredBelow++;
        }

        _deliveredAbove.RemoveWhere(x => x < DeliveredBelow);
    }

    /// <summary>The peer restarted: forget what we reassembled from its previous instance.</summary>
    public void ResetReceiveState()
    {
        _deliveredAbove.Clear();
        DeliveredBelow = 1;
    }
}
