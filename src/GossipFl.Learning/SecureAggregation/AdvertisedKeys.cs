namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// Round 0 (AdvertiseKeys) of Bonawitz et al. §4, in its active-adversary form: a client's two per-round public keys,
/// c^PK (encrypts the shares it sends in round 1) and s^PK (agrees its pairwise mask seeds), its long-term identity
/// key, and its signature with that key over both ephemeral keys and the round (<see cref="IdentitySignatures.KeysStatement"/>).
/// Layout: c^PK[65] ‖ s^PK[65] (uncompressed P-256 points) ‖ identity[91] (DER SubjectPublicKeyInfo) ‖ signature[64].
/// </summary>
public sealed record AdvertisedKeys(byte[] CipherKey, byte[] MaskKey, byte[] IdentityKey, byte[] Signature)
{
    public const int Size = (2 * KeyAgreement.PublicKeySize) + IdentitySignatures.PublicKeySize + IdentitySignatures.SignatureSize;

    private const int IdentityOffset = 2 * KeyAgreement.PublicKeySize;
    private const int SignatureOffset = IdentityOffset + IdentitySignatures.PublicKeySize;

    public void WriteTo(Span<byte> destination)
    {
        CipherKey.CopyTo(destination);
        MaskKey.CopyTo(destination[KeyAgreement.PublicKeySize..]);
        IdentityKey.CopyTo(destination[IdentityOffset..]);
        Signature.CopyTo(destination[SignatureOffset..]);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>
    /// Reads exactly <see cref="Size"/> bytes. The points are checked to lie on the curve when used, the identity key
    /// and signature by <see cref="IdentitySignatures.TryVerifyKeys"/>.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out AdvertisedKeys keys, out string reason)
    {
        keys = null!;
        if (source.Length != Size || source[0] != 0x04 || source[KeyAgreement.PublicKeySize] != 0x04)
        {
            reason = $"advertised keys are two uncompressed points, a {IdentitySignatures.PublicKeySize}-byte identity key and a {IdentitySignatures.SignatureSize}-byte signature in {Size} bytes, not {source.Length} bytes";
            return false;
        }

        keys = new AdvertisedKeys(
            source[..KeyAgreement.PublicKeySize].ToArray(),
            source[KeyAgreement.PublicKeySize..IdentityOffset].ToArray(),
            source[IdentityOffset..SignatureOffset].ToArray(),
            source[SignatureOffset..].ToArray());
        reason = string.Empty;
        return true;
    }
}
