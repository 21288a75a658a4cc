using System.Security.Cryptography;
using System.Text;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// The key agreement of Bonawitz et al. §4 (KA.gen, KA.agree) on ECDH P-256 with HKDF-SHA-256 (RFC 5869): per-round
/// ephemeral key pairs, 65-byte uncompressed public points, and the 32-byte keys two clients derive from them, bound to
/// the round's context, the purpose and the (unordered) pair of clients.
/// </summary>
internal static class KeyAgreement
{
    public const int PublicKeySize = 65;
    public const int PrivateKeySize = 32;

    public static ECDiffieHellman Generate() => ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    public static byte[] ExportPublic(ECDiffieHellman key)
    {
        var parameters = key.ExportParameters(includePrivateParameters: false);
        var bytes = new byte[PublicKeySize];
        bytes[0] = 0x04;
        parameters.Q.X!.CopyTo(bytes, 1);
        parameters.Q.Y!.CopyTo(bytes, 33);
        return bytes;
    }

    public static byte[] ExportPrivate(ECDiffieHellman key) => key.ExportParameters(includePrivateParameters: true).D!;

    /// <summary>Imports a peer's public point; false, with the reason, when it is not an uncompressed point on P-256.</summary>
    public static bool TryImportPublic(ReadOnlySpan<byte> point, out ECDiffieHellman key, out string reason)
    {
        key = null!;
        if (point.Length != PublicKeySize || point[0] != 0x04)
        {
            reason = "a public key is a 65-byte uncompressed P-256 point";
            return false;
        }

        var candidate = ECDiffieHellman.Create();
        try
        {
            candidate.ImportParameters(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = point[1..33].ToArray(), Y = point[33..].ToArray() },
            });
        }
        catch (CryptographicException ex)
        {
            candidate.Dispose();
            reason = $"public key is not a point on P-256 ({ex.Message})";
            return false;
        }

        key = candidate;
        reason = string.Empty;
        return true;
    }

    /// <summary>A key pair from a reconstructed private scalar and the public point advertised with it; false when they do not belong together.</summary>
    public static bool TryImportPrivate(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey, out ECDiffieHellman key, out string reason)
    {
        key = null!;
        var candidate = ECDiffieHellman.Create();
        try
        {
            candidate.ImportParameters(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                D = privateKey.ToArray(),
                Q = new ECPoint { X = publicKey[1..33].ToArray(), Y = publicKey[33..65].ToArray() },
            });
        }
        catch (CryptographicException ex)
        {
            candidate.Dispose();
            reason = $"reconstructed private key does not match its public key ({ex.Message})";
            return false;
        }

        key = candidate;
        reason = string.Empty;
        return true;
    }

    /// <summary>HKDF(ECDH(mine, theirs), salt = context, info = "gossipfl/secagg/1 " + purpose ‖ min(a,b) ‖ max(a,b)).</summary>
    public static byte[] Agree(ECDiffieHellman mine, ECDiffieHellman theirs, ReadOnlySpan<byte> context, string purpose, int a, int b)
    {
        var raw = mine.DeriveRawSecretAgreement(theirs.PublicKey);
        try
        {
            var label = Encoding.ASCII.GetBytes("gossipfl/secagg/1 " + purpose);
            var info = new byte[label.Length + 8];
            label.CopyTo(info, 0);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(info.AsSpan(label.Length), Math.Min(a, b));
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(info.AsSpan(label.Length + 4), Math.Max(a, b));
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, raw, 32, context.ToArray(), info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }
}
