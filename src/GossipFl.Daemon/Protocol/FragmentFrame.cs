using System.Buffers.Binary;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// Header of a fragment frame, big-endian; the fragment's bytes follow it to the end of the packet.
/// <code>
/// 0  type u8 = 1
/// 1  message id u64 (per sender instance and receiver, counting from 1)
/// 9  total length u64 of the whole message in bytes
/// 17 fragment index u32
/// 21 fragment size u32: size of every fragment but the last; fragment i starts at i * size
/// </code>
/// A fragment's data length must be exactly min(size, total - index * size): anything else is malformed.
/// </summary>
public readonly struct FragmentFrame
{
    public const int HeaderSize = 25;

    public FragmentFrame(ulong messageId, ulong totalLength, uint fragmentIndex, uint fragmentSize)
    {
        MessageId = messageId;
        TotalLength = totalLength;
        FragmentIndex = fragmentIndex;
        FragmentSize = fragmentSize;
    }

    public ulong MessageId { get; }

    public ulong TotalLength { get; }

    public uint FragmentIndex { get; }

    public uint FragmentSize { get; }

    /// <summary>Number of fragments the message has (at least 1: an empty message is one empty fragment).</summary>
    public ulong FragmentCount => TotalLength == 0 ? 1 : ((TotalLength - 1) / FragmentSize) + 1;

    /// <summary>Byte offset of this fragment in the message.</summary>
    public ulong Offset => (ulong)FragmentIndex * FragmentSize;

    /// <summary>The data length this fragment must carry.</summary>
    public ulong ExpectedDataLength => Math.Min(FragmentSize, TotalLength - Offset);

    /// <summary>
    /// Reads the header and checks its consistency with <paramref name="dataLength"/> (bytes after the header):
    /// non-zero size, index within the count, exact data length.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out FragmentFrame frame)
    {
        frame = default;
        if (source.Length < HeaderSize || source[0] != (byte)FrameType.Fragment)
        {
            return false;
        }

        var candidate = new FragmentFrame(
            BinaryPrimitives.ReadUInt64BigEndian(source[1..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[9..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[17..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[21..]));
        if (candidate.FragmentSize == 0 || candidate.FragmentIndex >= candidate.FragmentCount
            || candidate.ExpectedDataLength != (ulong)(source.Length - HeaderSize))
        {
            return false;
        }

        frame = candidate;
        return true;
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(21, 4), FragmentSize);
        destination[0] = (byte)FrameType.Fragment;
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], MessageId);
        BinaryPrimitives.WriteUInt64BigEndian(destination[9..], TotalLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination[17..], FragmentIndex);
    }
}
