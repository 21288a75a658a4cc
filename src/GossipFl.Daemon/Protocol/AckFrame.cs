using System.Buffers.Binary;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// Selective acknowledgement of packet numbers, with the range encoding of RFC 9000 §19.3.1 in fixed-width
/// big-endian fields:
/// <code>
/// 0  type u8 = 2
/// 1  largest acknowledged u64
/// 9  ack delay u32, microseconds the receiver held the largest before acknowledging it
/// 13 receive window u32, bytes the receiver is willing to have in flight from this sender
/// 17 first range u32: packets largest - first .. largest are acknowledged
/// 21 range count u16, then per range: gap u32, length u32
/// </code>
/// After a range whose smallest is s, the next range's largest is s - gap - 2 and its smallest is that minus length.
/// A ref struct so that reading and writing never copy the ranges to the heap.
/// </summary>
public readonly ref struct AckFrame
{
    public const int HeaderSize = 23;
    public const int RangeSize = 8;

    private readonly ReadOnlySpan<byte> _encoded;
    private readonly ReadOnlySpan<PacketRange> _ranges;

    /// <summary>Builds a frame to write from ranges ordered by descending packet number, disjoint and not adjacent.</summary>
    public AckFrame(ReadOnlySpan<PacketRange> rangesDescending, uint ackDelayMicros, uint receiveWindow)
    {
        ArgumentOutOfRangeException.ThrowIfZero(rangesDescending.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rangesDescending.Length, ushort.MaxValue + 1);
        _ranges = rangesDescending;
        _encoded = default;
        Largest = rangesDescending[0].High;
        AckDelayMicros = ackDelayMicros;
        ReceiveWindow = receiveWindow;
        RangeCount = rangesDescending.Length;
    }

    private AckFrame(ReadOnlySpan<byte> encoded, ulong largest, uint delay, uint window, int rangeCount)
    {
        _encoded = encoded;
        _ranges = default;
        Largest = largest;
        AckDelayMicros = delay;
        ReceiveWindow = window;
        RangeCount = rangeCount;
    }

    public ulong Largest { get; }

    public uint AckDelayMicros { get; }

    public uint ReceiveWindow { get; }

    /// <summary>Number of ranges including the first.</summary>
    public int RangeCount { get; }

    /// <summary>Encoded length in bytes.</summary>
    public int Length => HeaderSize + ((RangeCount - 1) * RangeSize);

    /// <summary>Reads and validates a frame: every range must stay at or above packet number zero.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out AckFrame frame)
    {
        frame = default;
        if (source.Length < HeaderSize || source[0] != (byte)FrameType.Ack)
        {
            return false;
        }

        var largest = BinaryPrimitives.ReadUInt64BigEndian(source[1..]);
        var first = BinaryPrimitives.ReadUInt32BigEndian(source[17..]);
        var extra = BinaryPrimitives.ReadUInt16BigEndian(source[21..]);
        var length = HeaderSize + (extra * RangeSize);
        if (source.Length < length || first > largest)
        {
            return false;
        }

        var smallest = largest - first;
        for (var i = 0; i < extra; i++)
        {
            var gap = BinaryPrimitives.ReadUInt32BigEndian(source[(HeaderSize + (i * RangeSize))..]);
            var rangeLength = BinaryPrimitives.ReadUInt32BigEndian(source[(HeaderSize + (i * RangeSize) + 4)..]);
            if (smallest < (ulong)gap + 2 || smallest - gap - 2 < rangeLength)
            {
                return false;
            }

            smallest = smallest - gap - 2 - rangeLength;
        }

        frame = new AckFrame(
            source[..length],
            largest,
            BinaryPrimitives.ReadUInt32BigEndian(source[9..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[13..]),
            extra + 1);
        return true;
    }

    /// <summary>Decodes the ranges, descending, into <paramref name="destination"/>; returns how many were written.</summary>
    public int CopyRangesTo(Span<PacketRange> destination)
    {
        if (!_ranges.IsEmpty)
        {
            var count = Math.Min(destination.Length, _ranges.Length);
            _ranges[..count].CopyTo(destination);
            return count;
        }

        if (destination.IsEmpty || _encoded.IsEmpty)
        {
            return 0;
        }

        var high = Largest;
        var low = high - BinaryPrimitives.ReadUInt32BigEndian(_encoded[17..]);
        destination[0] = new PacketRange(low, high);
        var written = 1;
        for (var i = 0; i < RangeCount - 1 && written < destination.Length; i++)
        {
            var gap = BinaryPrimitives.ReadUInt32BigEndian(_encoded[(HeaderSize + (i * RangeSize))..]);
            var rangeLength = BinaryPrimitives.ReadUInt32BigEndian(_encoded[(HeaderSize + (i * RangeSize) + 4)..]);
            high = low - gap - 2;
            low = high - rangeLength;
            destination[written++] = new PacketRange(low, high);
        }

        return written;
    }

    public void WriteTo(Span<byte> destination)
    {
        if (_ranges.IsEmpty)
        {
            _encoded.CopyTo(destination);
            return;
        }

        destination[0] = (byte)FrameType.Ack;
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], Largest);
        BinaryPrimitives.WriteUInt32BigEndian(destination[9..], AckDelayMicros);
        BinaryPrimitives.WriteUInt32BigEndian(destination[13..], ReceiveWindow);
        BinaryPrimitives.WriteUInt32BigEndian(destination[17..], checked((uint)(_ranges[0].High - _ranges[0].Low)));
        BinaryPrimitives.WriteUInt16BigEndian(destination[21..], (ushort)(_ranges.Length - 1));
        for (var i = 1; i < _ranges.Length; i++)
        {
            var offset = HeaderSize + ((i - 1) * RangeSize);
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], checked((uint)(_ranges[i - 1].Low - _ranges[i].High - 2)));
            BinaryPrimitives.WriteUInt32BigEndian(destination[(offset + 4)..], checked((uint)(_ranges[i].High - _ranges[i].Low)));
        }
    }
}
