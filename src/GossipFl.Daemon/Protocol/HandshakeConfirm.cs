namespace GossipFl.Daemon.Protocol;

/// <summary>
/// Body of a <see cref="PacketType.Confirm"/> packet (after the header, whose connection id is the responder's):
/// the initiator's sealed proof, AEAD ciphertext + 16-byte tag, to the end of the datagram.
/// </summary>
public sealed record HandshakeConfirm(byte[] SealedProof)
{
    public int Length => SealedProof.Length;

    public static bool TryRead(ReadOnlySpan<byte> source, out HandshakeConfirm? message)
    {
        if (source.Length < HandshakeResponse.TagSize)
        {
            message = null;
            return false;
        }

        message = new HandshakeConfirm(source.ToArray());
        return true;
    }

    public void WriteTo(Span<byte> destination) => SealedProof.AsSpan().CopyTo(destination);
}
