using System.Buffers.Binary;

namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>The fixed 12-byte DNS header (RFC 1035 §4.1.1), all fields big-endian.</summary>
public readonly record struct DnsHeader(
    ushort Id,
    DnsHeaderBits Flags,
    byte Opcode,
    byte ResponseCode,
    ushort QuestionCount,
    ushort AnswerCount,
    ushort AuthorityCount,
    ushort AdditionalCount)
{
    public const int Size = 12;

    private const ushort FlagBits = 0x8780;

    public bool IsResponse => (Flags & DnsHeaderBits.Response) != 0;

    public static DnsHeader ReadFrom(ReadOnlySpan<byte> buffer)
    {
        var word = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        return new DnsHeader(
            BinaryPrimitives.ReadUInt16BigEndian(buffer),
            (DnsHeaderBits)(word & FlagBits),
            (byte)((word >> 11) & 0xF),
            (byte)(word & 0xF),
            BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(buffer[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(buffer[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(buffer[10..]));
    }

    public void WriteTo(Span<byte> buffer)
    {
        // Writing the last field first lets the JIT drop the remaining bounds checks.
        BinaryPrimitives.WriteUInt16BigEndian(buffer[10..], AdditionalCount);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[8..], AuthorityCount);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[6..], AnswerCount);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], QuestionCount);
        var word = (ushort)(((ushort)Flags & FlagBits) | ((Opcode & 0xF) << 11) | (ResponseCode & 0xF));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], word);
        BinaryPrimitives.WriteUInt16BigEndian(buffer, Id);
    }
}
