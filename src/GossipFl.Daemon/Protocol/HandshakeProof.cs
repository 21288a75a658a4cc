using System.Buffers.Binary;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// What a side proves about itself inside a sealed handshake field, in identity mode (in pre-shared-key mode the
/// sealed plaintext is empty: the tag alone proves knowledge of the key). Big-endian:
/// <code>
/// 0 public key length u16, then the identity key as DER SubjectPublicKeyInfo
///   signature [64]: ECDSA P-256 over SHA-256, r || s (IEEE P1363), of the transcript (see docs/protocol.md)
/// </code>
/// </summary>
public sealed record HandshakeProof(byte[] PublicKey, byte[] Signature)
{
    public const int SignatureSize = 64;
    public const int MaxPublicKeySize = 512;

    public int Length => 2 + PublicKey.Length + SignatureSize;

    public static bool TryRead(ReadOnlySpan<byte> source, out HandshakeProof? message)
    {
        message = null;
        if (source.Length < 2)
        {
            return false;
        }

        var keyLength = BinaryPrimitives.ReadUInt16BigEndian(source);
        if (keyLength == 0 || keyLength > MaxPublicKeySize || source.Length != 2 + keyLength + SignatureSize)
        {
            return false;
        }

        message = new HandshakeProof(source.Slice(2, keyLength).ToArray(), source.Slice(2 + keyLength, SignatureSize).ToArray());
        return true;
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)PublicKey.Length);
        PublicKey.AsSpan().CopyTo(destination[2..]);
        Signature.AsSpan().CopyTo(destination[(2 + PublicKey.Length)..]);
    }
}
