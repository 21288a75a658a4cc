using GossipFl.Daemon.Protocol;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// Packet numbers received in one session, as up to <see cref="MaxRanges"/> disjoint ranges ordered by descending
/// number, for building acknowledgements. When more ranges would be needed the oldest is forgotten: its packets
/// were acknowledged many times by then, and a sender that still misses one retransmits its data in a new packet.
/// </summary>
internal sealed class ReceivedPacketTracker
{
    public const int MaxRanges = 64;
    private readonly PacketRange[] _ranges = new PacketRange[MaxRanges];
    private int _count;

    /// <summary>Ack-eliciting packets received since the last acknowledgement was sent.</summary>
    public int Unacknowledged { get; set; }

    /// <summary>When the largest packet number arrived, to report the ack delay.</summary>
    public long LargestReceivedAt { get; private set; }

    public ReadOnlySpan<PacketRange> Ranges => _ranges.AsSpan(0, _count);

    /// <summary>Records a packet number; returns true when it arrived out of order (a gap below it, or filling one).</summary>
    public bool Add(ulong packetNumber, long now)
    {
        if (_count == 0)
        {
            _ranges[0] = new PacketRange(packetNumber, packetNumber);
            _count = 1;
            LargestReceivedAt = now;
            return false;
        }

        var top = _ranges[0];
        if (packetNumber == top.High + 1)
        {
            _ranges[0] = top with { High = packetNumber };
            LargestReceivedAt = now;
            return false;
        }

        if (packetNumber > top.High)
        {
            Insert(0, new PacketRange(packetNumber, packetNumber));
            LargestReceivedAt = now;
            return true;
        }

        for (var i = 0; i < _count; i++)
        {
            var range = _ranges[i];
            if (packetNumber >= range.Low && packetNumber <= range.High)
            {
                return false;
            }

            if (packetNumber == range.Low - 1)
            {
                _ranges[i] = range with { Low = packetNumber };
                if (i + 1 < _count && _ranges[i + 1].High + 1 == packetNumber)
                {
                    _ranges[i] = range with { Low = _ranges[i + 1].Low };
                    Remove(i + 1);
                }

                return true;
            }

            if (packetNumber == range.High + 1)
            {
                // Not i == 0 (handled above); the previous range starts at least two above, or this would have
                // matched its Low - 1 case.
                _ranges[i] = range with { High = packetNumber };
                return true;
            }

            if (packetNumber > range.High)
            {
                Insert(i, new PacketRange(packetNumber, packetNumber));
                return true;
            }
        }

        if (_count < MaxRanges)
        {
            Insert(_count, new PacketRange(packetNumber, packetNumber));
        }

        return true;
    }

    private void Insert(int index, PacketRange range)
    {
        var moved = Math.Min(_count, MaxRanges - 1) - index;
        if (moved > 0)
        {
            Array.Copy(_ranges, index, _ranges, index + 1, moved);
        }

        _ranges[index] = range;
        _count = Math.Min(_count + 1, MaxRanges);
    }

    private void Remove(int index)
    {
        Array.Copy(_ranges, index + 1, _ranges, index, _count - index - 1);
        _count--;
    }
}
