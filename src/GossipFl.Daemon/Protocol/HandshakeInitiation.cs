using System.Buffers.Binary;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// Body of an <see cref="PacketType.Initiation"/> packet (after the header, whose connection id is 0), big-endian:
/// <code>
/// 0   min version u8, 1 max version u8: the packet-format versions the initiator speaks
/// 2   auth mode u8 (AuthMode), 3 reserved u8 = 0
/// 4   sender connection id u64: the id the initiator wants to be addressed by
/// 12  sender instance u64: random per process start, so the responder notices restarts
/// 20  nonce [32]
/// 52  ephemeral public key [65]: uncompressed P-256 point 0x04 || X || Y
/// 117 sender name (u8 length + UTF-8), target name (u8 length + UTF-8)
///     cookie length u8 (0 or 16) + cookie
///     zero padding up to <see cref="MinimumDatagramSize"/> for the whole datagram
/// </code>
/// The padding makes the initiation at least as large as any response, so a spoofed initiation cannot make a
/// responder send more bytes to a victim than the attacker spent (no amplification).
/// </summary>
public sealed record HandshakeInitiation(
    byte MinVersion,
    byte MaxVersion,
    AuthMode Mode,
    ulong SenderConnectionId,
    ulong SenderInstance,
    byte[] Nonce,
    byte[] EphemeralKey,
    string SenderName,
    string TargetName,
    byte[] Cookie)
{
    public const int NonceSize = 32;
    public const int EphemeralKeySize = 65;
    public const int MinimumDatagramSize = 480;
    private const int FixedSize = 117;

    /// <summary>Body length including padding.</summary>
    public int Length => Math.Max(
        UnpaddedLength,
        MinimumDatagramSize - PacketHeader.Size);

    private int UnpaddedLength =>
        FixedSize + WireNames.EncodedLength(SenderName) + WireNames.EncodedLength(TargetName) + 1 + Cookie.Length;

    public static bool TryRead(ReadOnlySpan<byte> source, out HandshakeInitiation? message)
    {
        message = null;
        if (source.Length < MinimumDatagramSize - PacketHeader.Size
            || source[3] != 0 || source[52] != 0x04)
        {
            return false;
        }

        var mode = (AuthMode)source[2];
        if (mode is not (AuthMode.Identity or AuthMode.PreSharedKey))
        {
            return false;
        }

        var offset = FixedSize;
        if (!WireNames.TryRead(source[offset..], out var sender, out var used))
        {
            return false;
        }

        offset += used;
        if (!WireNames.TryRead(source[offset..], out var target, out used))
        {
            return false;
        }

        offset += used;
        if (offset >= source.Length)
        {
            return false;
        }

        var cookieLength = source[offset++];
        if ((cookieLength != 0 && cookieLength != CookieReply.CookieSize) || source.Length < offset + cookieLength)
        {
            return false;
        }

        message = new HandshakeInitiation(
            source[0],
            source[1],
            mode,
            BinaryPrimitives.ReadUInt64BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[12..]),
            source.Slice(20, NonceSize).ToArray(),
            source.Slice(52, EphemeralKeySize).ToArray(),
            sender,
            target,
            source.Slice(offset, cookieLength).ToArray());
        return true;
    }

    public void WriteTo(Span<byte> destination)
    {
        var length = Length;
        destination[..length].Clear();
        destination[0] = MinVersion;
        destination[1] = MaxVersion;
        destination[2] = (byte)Mode;
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], SenderConnectionId);
        BinaryPrimitives.WriteUInt64BigEndian(destination[12..], SenderInstance);
        Nonce.AsSpan().CopyTo(destination.Slice(20, NonceSize));
        EphemeralKey.AsSpan().CopyTo(destination.Slice(52, EphemeralKeySize));
        var offset = FixedSize;
        offset += WireNames.Write(destination[offset..], SenderName);
        offset += WireNames.Write(destination[offset..], TargetName);
        destination[offset++] = (byte)Cookie.Length;
        Cookie.AsSpan().CopyTo(destination[offset..]);
    }
}
