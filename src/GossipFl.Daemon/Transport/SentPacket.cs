namespace GossipFl.Daemon.Transport;

/// <summary>What the sender remembers of one ack-eliciting packet until it is acknowledged or declared lost.</summary>
internal struct SentPacket
{
    public ulong PacketNumber;
    public OutgoingMessage? Message;
    public uint Fragment;
    public long SentAt;
    public int Bytes;
    public bool InFlight;
}
