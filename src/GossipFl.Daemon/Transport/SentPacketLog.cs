namespace GossipFl.Daemon.Transport;

/// <summary>
/// Ring of <see cref="SentPacket"/> indexed by packet number (numbers are consecutive within a session), so recording
/// a send and finding a packet from an acknowledgement cost no allocation and no search. A slot is reused only once
/// its packet is no longer in flight; when the slot a send needs is still busy the ring doubles, up to
/// <see cref="Capacity"/>, and at that size the sender stops. It starts small: a ring of the full size is 1.3 MB on
/// the large-object heap for every session, and a daemon with a few peers and a flight of a few hundred packets per
/// share held several of them (docs/benchmarks.md, "Peak memory of a Fashion-MNIST daemon").
/// </summary>
internal sealed class SentPacketLog
{
    public const int Capacity = 1 << 15;
    public const int InitialCapacity = 1 << 9;
    private SentPacket[] _packets = new SentPacket[InitialCapacity];

    /// <summary>Every packet below this number is acknowledged or lost.</summary>
    public ulong LowestUnacked { get; set; }

    /// <summary>Largest packet number the peer acknowledged (valid when <see cref="AnyAcked"/>).</summary>
    public ulong LargestAcked { get; set; }

    public bool AnyAcked { get; set; }

    /// <summary>How many packets the ring can hold now.</summary>
    public int Length => _packets.Length;

    public ref SentPacket this[ulong packetNumber] => ref _packets[Slot(packetNumber)];

    /// <summary>Whether <paramref name="packetNumber"/>'s slot is free, after growing the ring if that frees it.</summary>
    public bool CanRecord(ulong packetNumber)
    {
        while (_packets[Slot(packetNumber)].InFlight)
        {
            if (_packets.Length == Capacity)
            {
                return false;
            }

            Grow();
        }

        return true;
    }

    public void Record(ulong packetNumber, OutgoingMessage? message, uint fragment, long sentAt, int bytes)
    {
        ref var slot = ref _packets[Slot(packetNumber)];
        slot.PacketNumber = packetNumber;
        slot.Message = message;
        slot.Fragment = fragment;
        slot.SentAt = sentAt;
        slot.Bytes = bytes;
        slot.InFlight = true;
    }

    /// <summary>Moves <see cref="LowestUnacked"/> past packets that are no longer in flight.</summary>
    public void Advance(ulong nextPacketNumber)
    {
        while (LowestUnacked < nextPacketNumber)
        {
            ref var slot = ref this[LowestUnacked];
            if (slot.InFlight && slot.PacketNumber == LowestUnacked)
            {
                return;
            }

            LowestUnacked++;
        }
    }

    private int Slot(ulong packetNumber) => (int)(packetNumber & (ulong)(_packets.Length - 1));

    /// <summary>
    /// Doubles the ring, moving the packets in flight to their slots in it. Two of them never share a slot: they had
    /// different slots in the smaller ring, so their numbers differ modulo its length and modulo twice that too.
    /// Slots whose packets are no longer in flight are not carried over; every reader skips such a slot anyway.
    /// </summary>
    private void Grow()
    {
        var larger = new SentPacket[_packets.Length * 2];
        foreach (ref readonly var packet in _packets.AsSpan())
        {
            if (packet.InFlight)
            {
                larger[(int)(packet.PacketNumber & (ulong)(larger.Length - 1))] = packet;
            }
        }

        _packets = larger;
    }
}
