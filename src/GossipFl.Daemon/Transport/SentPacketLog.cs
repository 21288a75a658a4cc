namespace GossipFl.Daemon.Transport;

/// <summary>
/// Ring of <see cref="SentPacket"/> indexed by packet number (numbers are consecutive within a session), so recording
/// a send and finding a packet from an acknowledgement cost no allocation and no search. A slot is reused only once
/// its packet is no longer in flight; the sender stops when the slot it needs is still busy.
/// </summary>
internal sealed class SentPacketLog
{
    public const int Capacity = 1 << 15;
    private const int Mask = Capacity - 1;
    private readonly SentPacket[] _packets = new SentPacket[Capacity];

    /// <summary>Every packet below this number is acknowledged or lost.</summary>
    public ulong LowestUnacked { get; set; }

    /// <summary>Largest packet number the peer acknowledged (valid when <see cref="AnyAcked"/>).</summary>
    public ulong LargestAcked { get; set; }

    public bool AnyAcked { get; set; }

    public ref SentPacket this[ulong packetNumber] => ref _packets[(int)(packetNumber & Mask)];

    public bool CanRecord(ulong packetNumber) => !_packets[(int)(packetNumber & Mask)].InFlight;

    public void Record(ulong packetNumber, OutgoingMessage? message, uint fragment, long sentAt, int bytes)
    {
        ref var slot = ref _packets[(int)(packetNumber & Mask)];
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
}
