using System.Buffers.Binary;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// Body of a <see cref="PacketType.Cookie"/> packet (after the header, whose connection id is the initiator's):
/// <c>cookie[16]</c>. The cookie is a MAC over the initiator's address and nonce under a secret only the responder
/// knows; repeating the initiation with it proves the initiator receives at the address it claims.
/// </summary>
public readonly struct CookieReply
{
    public const int CookieSize = 16;
    public const int Size = CookieSize;

    private readonly ulong _high;
    private readonly ulong _low;

    public CookieReply(ReadOnlySpan<byte> cookie)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(cookie.Length, CookieSize);
        _high = BinaryPrimitives.ReadUInt64BigEndian(cookie);
        _low = BinaryPrimitives.ReadUInt64BigEndian(cookie[8..]);
    }

    public void CopyCookieTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(8, 8), _low);
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
    }

    /// <summary>Reads the body; it must be exactly <see cref="Size"/> bytes.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out CookieReply reply)
    {
        if (source.Length != Size)
        {
            reply = default;
            return false;
        }

        reply = new CookieReply(source);
        return true;
    }

    public void WriteTo(Span<byte> destination) => CopyCookieTo(destination);
}
