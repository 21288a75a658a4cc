using System.Buffers.Binary;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// The fixed 20-byte header of every transport datagram, big-endian. For <see cref="PacketType.Data"/> it is the
/// AEAD associated data, so none of its fields can be altered without the packet failing authentication.
/// <code>
/// 0  magic u16 = 0x4746 ("GF")
/// 2  version u8
/// 3  type u8 (PacketType)
/// 4  connection id u64: the receiver's id for this session (0 in an Initiation)
/// 12 packet number u64: per session and direction; the AEAD nonce is derived from it (0 in handshake packets)
/// </code>
/// </summary>
public readonly struct PacketHeader
{
    public const int Size = 20;
    public const ushort Magic = 0x4746;

    /// <summary>The only packet-format version this build speaks.</summary>
    public const byte CurrentVersion = 1;

    public PacketHeader(byte version, PacketType type, ulong connectionId, ulong packetNumber)
    {
        Version = version;
        Type = type;
        ConnectionId = connectionId;
        PacketNumber = packetNumber;
    }

    public byte Version { get; }

    public PacketType Type { get; }

    public ulong ConnectionId { get; }

    public ulong PacketNumber { get; }

    /// <summary>Reads a header; fails on a short buffer or a wrong magic. The version is left for the caller to judge.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out PacketHeader header)
    {
        if (source.Length < Size || BinaryPrimitives.ReadUInt16BigEndian(source) != Magic)
        {
            header = default;
            return false;
        }

        header = new PacketHeader(
            source[2],
            (PacketType)source[3],
            BinaryPrimitives.ReadUInt64BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[12..]));
        return true;
    }

    public void WriteTo(Span<byte> destination)
    {
        // Writing the last field first lets the JIT drop the remaining bounds checks.
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(12, 8), PacketNumber);
        BinaryPrimitives.WriteUInt16BigEndian(destination, Magic);
        destination[2] = Version;
        destination[3] = (byte)Type;
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], ConnectionId);
    }
}
