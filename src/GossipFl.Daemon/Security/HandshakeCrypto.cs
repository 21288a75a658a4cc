using System.Security.Cryptography;
using System.Text;

namespace GossipFl.Daemon.Security;

/// <summary>
/// The cryptographic steps of the handshake (docs/protocol.md): ephemeral ECDH P-256, a transcript hash over the
/// exact bytes exchanged, HKDF-SHA256 (RFC 5869) key derivation, sealing of identity proofs with AES-256-GCM, and
/// the labels the identity signatures cover. SIGMA-I shaped (Krawczyk 2003): each side signs the transcript and
/// proves knowledge of the shared key by sealing the signature under a key derived from it.
/// </summary>
public static class HandshakeCrypto
{
    public const int PointSize = 65;
    private static readonly byte[] TranscriptLabel = Encoding.ASCII.GetBytes("gossipfl/1 transcript");
    private static readonly byte[] ResponderLabel = Encoding.ASCII.GetBytes("gossipfl/1 responder signs");
    private static readonly byte[] InitiatorLabel = Encoding.ASCII.GetBytes("gossipfl/1 initiator signs");

    public static ECDiffieHellman CreateEphemeral(out byte[] publicPoint)
    {
        var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = key.ExportParameters(includePrivateParameters: false).Q;
        publicPoint = new byte[PointSize];
        publicPoint[0] = 0x04;
        q.X!.CopyTo(publicPoint, 1);
        q.Y!.CopyTo(publicPoint, 33);
        return key;
    }

    /// <summary>ECDH with a peer's uncompressed point; false if the point is not on the curve.</summary>
    public static bool TryAgree(ECDiffieHellman mine, ReadOnlySpan<byte> peerPoint, out byte[] shared)
    {
        shared = [];
        if (peerPoint.Length != PointSize || peerPoint[0] != 0x04)
        {
            return false;
        }

        try
        {
            using var peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = peerPoint.Slice(1, 32).ToArray(), Y = peerPoint.Slice(33, 32).ToArray() },
            });
            shared = mine.DeriveRawSecretAgreement(peer.PublicKey);
            return true;
        }
        catch (CryptographicException)
        {
            // An invalid point (not on the curve): the handshake is dropped and counted as malformed by the caller.
            return false;
        }
    }

    /// <summary>SHA-256 over a label, the initiation datagram and the response datagram up to its sealed proof.</summary>
    public static byte[] Transcript(ReadOnlySpan<byte> initiationDatagram, ReadOnlySpan<byte> responseUnsealed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(TranscriptLabel);
        hash.AppendData(initiationDatagram);
        hash.AppendData(responseUnsealed);
        return hash.GetHashAndReset();
    }

    /// <summary>HKDF-SHA256: extract from the ECDH secret (and the cluster key in PSK mode) salted by the transcript.</summary>
    public static SessionSecrets Derive(ReadOnlySpan<byte> shared, ReadOnlySpan<byte> preSharedKey, ReadOnlySpan<byte> transcript)
    {
        var ikm = new byte[shared.Length + preSharedKey.Length];
        shared.CopyTo(ikm);
        preSharedKey.CopyTo(ikm.AsSpan(shared.Length));
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, transcript.ToArray());
        CryptographicOperations.ZeroMemory(ikm);
        var secrets = new SessionSecrets(
            Expand(prk, "gossipfl/1 initiator proof"),
            Expand(prk, "gossipfl/1 responder proof"),
            Expand(prk, "gossipfl/1 initiator to responder"),
            Expand(prk, "gossipfl/1 responder to initiator"));
        CryptographicOperations.ZeroMemory(prk);
        return secrets;
    }

    /// <summary>What the responder signs: label and transcript.</summary>
    public static byte[] ResponderSigned(ReadOnlySpan<byte> transcript) => [.. ResponderLabel, .. transcript];

    /// <summary>What the initiator signs: label, transcript and the responder's sealed proof, so it covers both identities.</summary>
    public static byte[] InitiatorSigned(ReadOnlySpan<byte> transcript, ReadOnlySpan<byte> responderSealedProof) =>
        [.. InitiatorLabel, .. transcript, .. responderSealedProof];

    /// <summary>Seals a proof under a proof key with a zero nonce (each proof key seals exactly one message).</summary>
    public static byte[] SealProof(ReadOnlySpan<byte> key, ReadOnlySpan<byte> transcript, ReadOnlySpan<byte> plaintext)
    {
        var sealedProof = new byte[plaintext.Length + PacketProtection.TagSize];
        using var aead = new AesGcm(key, PacketProtection.TagSize);
        Span<byte> nonce = stackalloc byte[PacketProtection.NonceSize];
        nonce.Clear();
        aead.Encrypt(nonce, plaintext, sealedProof.AsSpan(0, plaintext.Length), sealedProof.AsSpan(plaintext.Length), transcript);
        return sealedProof;
    }

    public static bool TryOpenProof(ReadOnlySpan<byte> key, ReadOnlySpan<byte> transcript, ReadOnlySpan<byte> sealedProof, out byte[] plaintext)
    {
        plaintext = [];
        if (sealedProof.Length < PacketProtection.TagSize)
        {
            return false;
        }

        var length = sealedProof.Length - PacketProtection.TagSize;
        var output = new byte[length];
        using var aead = new AesGcm(key, PacketProtection.TagSize);
        Span<byte> nonce = stackalloc byte[PacketProtection.NonceSize];
        nonce.Clear();
        try
        {
            aead.Decrypt(nonce, sealedProof[..length], sealedProof[length..], output, transcript);
        }
        catch (AuthenticationTagMismatchException)
        {
            // Wrong key (different PSK, different ECDH secret) or tampering: the caller counts it as unauthenticated.
            return false;
        }

        plaintext = output;
        return true;
    }

    private static byte[] Expand(byte[] prk, string label) =>
        HKDF.Expand(HashAlgorithmName.SHA256, prk, PacketProtection.KeySize, Encoding.ASCII.GetBytes(label));
}
