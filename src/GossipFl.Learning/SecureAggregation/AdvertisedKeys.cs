namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// Round 0 (AdvertiseKeys) of Bonawitz et al. §4: a client's two per-round public keys, c^PK (encrypts the shares it
/// sends in round 1) and s^PK (agrees its pairwise mask seeds). Layout: c^PK[65] ‖ s^PK[65], uncompressed P-256 points.
/// </summary>
public sealed record AdvertisedKeys(byte[] CipherKey, byte[] MaskKey)
{
    public const int Size = 2 * KeyAgreement.PublicKeySize;

    public void WriteTo(Span<byte> destination)
    {
        CipherKey.CopyTo(destination);
        MaskKey.CopyTo(destination[KeyAgreement.PublicKeySize..]);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Reads exactly <see cref="Size"/> bytes; the points are checked to lie on the curve when used.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out AdvertisedKeys keys, out string reason)
    {
        keys = null!;
        if (source.Length != Size || source[0] != 0x04 || source[KeyAgreement.PublicKeySize] != 0x04)
        {
            reason = $"advertised keys are two uncompressed points in {Size} bytes, not {source.Length} bytes";
            return false;
        }

        keys = new AdvertisedKeys(source[..KeyAgreement.PublicKeySize].ToArray(), source[KeyAgreement.PublicKeySize..].ToArray());
        reason = string.Empty;
        return true;
    }
}
