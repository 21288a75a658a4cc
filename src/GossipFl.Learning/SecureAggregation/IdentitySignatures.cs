using System.Buffers.Binary;
using System.Security.Cryptography;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// What the clients sign with their identity keys and how a signature is checked. Two statements: a client's
/// ephemeral keys for one round (round 0, so a relaying server cannot swap them), and the survivor list U3 (round 4 here,
/// Bonawitz et al.'s ConsistencyCheck, so a server cannot tell different clients different lists). Each statement
/// starts with its own label and the round context, so a signature over one is never a signature over the other, nor
/// valid in another round, attempt, term or task.
/// </summary>
public static class IdentitySignatures
{
    /// <summary>DER SubjectPublicKeyInfo of a P-256 key with an uncompressed point.</summary>
    public const int PublicKeySize = 91;

    /// <summary>ECDSA P-256 in IEEE P1363 form, r ‖ s.</summary>
    public const int SignatureSize = 64;

    /// <summary>Lowercase hex SHA-256 of the SubjectPublicKeyInfo: the form in which topologies pin identities.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> publicKey) => Convert.ToHexStringLower(SHA256.HashData(publicKey));

    /// <summary>"gossipfl/secagg/2 keys" ‖ context ‖ client u16 ‖ c^PK[65] ‖ s^PK[65].</summary>
    public static byte[] KeysStatement(ReadOnlySpan<byte> context, int client, ReadOnlySpan<byte> cipherKey, ReadOnlySpan<byte> maskKey)
    {
        ReadOnlySpan<byte> label = "gossipfl/secagg/2 keys "u8;
        var statement = new byte[label.Length + context.Length + 2 + cipherKey.Length + maskKey.Length];
        var span = statement.AsSpan();
        label.CopyTo(span);
        span = span[label.Length..];
        context.CopyTo(span);
        BinaryPrimitives.WriteUInt16BigEndian(span[context.Length..], (ushort)client);
        cipherKey.CopyTo(span[(context.Length + 2)..]);
        maskKey.CopyTo(span[(context.Length + 2 + cipherKey.Length)..]);
        return statement;
    }

    /// <summary>"gossipfl/secagg/2 survivors" ‖ context ‖ count u16 ‖ ids u16 ascending.</summary>
    public static byte[] SurvivorsStatement(ReadOnlySpan<byte> context, IReadOnlyList<int> survivors)
    {
        ReadOnlySpan<byte> label = "gossipfl/secagg/2 survivors "u8;
        var statement = new byte[label.Length + context.Length + 2 + (2 * survivors.Count)];
        var span = statement.AsSpan();
        label.CopyTo(span);
        span = span[label.Length..];
        context.CopyTo(span);
        BinaryPrimitives.WriteUInt16BigEndian(span[context.Length..], (ushort)survivors.Count);
        for (var i = 0; i < survivors.Count; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[(context.Length + 2 + (2 * i))..], (ushort)survivors[i]);
        }

        return statement;
    }

    /// <summary>True if <paramref name="signature"/> is an ECDSA P-256 signature over <paramref name="data"/> under the key.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureSize)
        {
            return false;
        }

        using var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(publicKey, out var read);
            if (read != publicKey.Length || key.KeySize != 256)
            {
                return false;
            }
        }
        catch (CryptographicException)
        {
            // Not an EC public key at all: the statement is not signed by it. The caller reports why.
            return false;
        }

        return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>
    /// Checks one advertised-keys entry of client <paramref name="client"/>: its identity key is the one pinned for it,
    /// and its signature covers these ephemeral keys in this round. The reason names the client.
    /// </summary>
    public static bool TryVerifyKeys(SecureAggregationRound round, int client, AdvertisedKeys keys, out string reason)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(keys);
        if (!round.PinnedFingerprints.TryGetValue(client, out var pinned))
        {
            reason = $"client {client} has no pinned identity in this round";
            return false;
        }

        if (!string.Equals(Fingerprint(keys.IdentityKey), pinned, StringComparison.Ordinal))
        {
            reason = $"client {client} presents identity key {Fingerprint(keys.IdentityKey)[..16]}…, not the pinned {pinned[..Math.Min(16, pinned.Length)]}…";
            return false;
        }

        if (!Verify(keys.IdentityKey, KeysStatement(round.Context, client, keys.CipherKey, keys.MaskKey), keys.Signature))
        {
            reason = $"client {client}'s signature does not cover these keys in this round (forged, or made for another round, attempt or term)";
            return false;
        }

        reason = string.Empty;
        return true;
    }
}
