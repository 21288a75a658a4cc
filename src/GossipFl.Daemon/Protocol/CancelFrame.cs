using System.Buffers.Binary;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// The sender gave up on a message (deadline or cancellation): <c>type u8 = 3, message id u64</c>, big-endian.
/// </summary>
public readonly struct CancelFrame
{
    public const int Size = 9;

    public CancelFrame(ulong messageId)
    {
        MessageId = messageId;
    }

    public ulong MessageId { get; }

    public static bool TryRead(ReadOnlySpan<byte> source, out CancelFrame frame)
    {
        if (source.Length < Size || source[0] != (byte)FrameType.Cancel)
        {
            frame = default;
            return false;
        }

        frame = new CancelFrame(BinaryPrimitives.ReadUInt64BigEndian(source[1..]));
        return true;
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(1, 8), MessageId);
        destination[0] = (byte)FrameType.Cancel;
    }
}
