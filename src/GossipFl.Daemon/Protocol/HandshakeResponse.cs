using System.Buffers.Binary;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// Body of a <see cref="PacketType.Response"/> packet (after the header, whose connection id is the initiator's),
/// big-endian:
/// <code>
/// 0   chosen version u8, 1 auth mode u8, 2 reserved u16 = 0
/// 4   sender connection id u64: the responder's id for this session
/// 12  sender instance u64
/// 20  nonce [32]
/// 52  ephemeral public key [65] (uncompressed P-256)
/// 117 sender name (u8 length + UTF-8)
///     sealed proof: the rest of the datagram, AEAD ciphertext + 16-byte tag (see HandshakeProof)
/// </code>
/// Everything before the sealed proof (header included) is part of the handshake transcript.
/// </summary>
public sealed record HandshakeResponse(
    byte Version,
    AuthMode Mode,
    ulong SenderConnectionId,
    ulong SenderInstance,
    byte[] Nonce,
    byte[] EphemeralKey,
    string SenderName,
    byte[] SealedProof)
{
    public const int TagSize = 16;
    private const int FixedSize = 117;

    /// <summary>Length of the body before the sealed proof.</summary>
    public int UnsealedLength => FixedSize + WireNames.EncodedLength(SenderName);

    public int Length => UnsealedLength + SealedProof.Length;

    public static bool TryRead(ReadOnlySpan<byte> source, out HandshakeResponse? message)
    {
        message = null;
        if (source.Length < FixedSize + 2 + TagSize || source[2] != 0 || source[3] != 0 || source[52] != 0x04)
        {
            return false;
        }

        var mode = (AuthMode)source[1];
        if (mode is not (AuthMode.Identity or AuthMode.PreSharedKey)
            || !WireNames.TryRead(source[FixedSize..], out var sender, out var used)
            || source.Length - FixedSize - used < TagSize)
        {
            return false;
        }

        message = new HandshakeResponse(
            source[0],
            mode,
            BinaryPrimitives.ReadUInt64BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[12..]),
            source.Slice(20, HandshakeInitiation.NonceSize).ToArray(),
            source.Slice(52, HandshakeInitiation.EphemeralKeySize).ToArray(),
            sender,
            source[(FixedSize + used)..].ToArray());
        return true;
    }

    /// <summary>Writes the part before the sealed proof (what the transcript covers).</summary>
    public void WriteUnsealedTo(Span<byte> destination)
    {
        destination[0] = Version;
        destination[1] = (byte)Mode;
        destination[2] = 0;
        destination[3] = 0;
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], SenderConnectionId);
        BinaryPrimitives.WriteUInt64BigEndian(destination[12..], SenderInstance);
        Nonce.AsSpan().CopyTo(destination.Slice(20, HandshakeInitiation.NonceSize));
        EphemeralKey.AsSpan().CopyTo(destination.Slice(52, HandshakeInitiation.EphemeralKeySize));
        WireNames.Write(destination[FixedSize..], SenderName);
    }

    public void WriteTo(Span<byte> destination)
    {
        WriteUnsealedTo(destination);
        SealedProof.AsSpan().CopyTo(destination[UnsealedLength..]);
    }
}
