using System.Numerics;
using System.Security.Cryptography;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// t-out-of-n Shamir secret sharing (Shamir, "How to share a secret", 1979) of secrets of up to 32 bytes over the
/// prime field GF(p), p = 2^521 − 1 (a Mersenne prime, so no secret of 256 bits wraps): the secret is f(0) of a
/// random polynomial of degree t − 1, share x is (x, f(x)). Any t shares give f(0) by Lagrange interpolation; t − 1
/// shares are consistent with every secret, each equally likely, so they reveal nothing.
/// </summary>
public static class ShamirSecretSharing
{
    /// <summary>Bytes of a field element on the wire: 521 bits, big-endian, unsigned.</summary>
    public const int ElementSize = 66;
    public const int MaxSecretSize = 32;

    public static readonly BigInteger Prime = (BigInteger.One << 521) - 1;

    /// <summary>Shares of <paramref name="secret"/> for x = each of <paramref name="xs"/> (distinct, ≥ 1), any <paramref name="threshold"/> of which recover it.</summary>
    public static SecretShare[] Split(ReadOnlySpan<byte> secret, int threshold, ReadOnlySpan<int> xs)
    {
        if (secret.Length > MaxSecretSize)
        {
            throw new ArgumentException($"a secret is at most {MaxSecretSize} bytes, not {secret.Length}", nameof(secret));
        }

        if (threshold < 1 || threshold > xs.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"the threshold must be in [1, {xs.Length}]");
        }

        var seen = new HashSet<int>();
        foreach (var x in xs)
        {
            if (x < 1 || !seen.Add(x))
            {
                throw new ArgumentException($"share points must be distinct and at least 1 ({x})", nameof(xs));
            }
        }

        var coefficients = new BigInteger[threshold];
        coefficients[0] = new BigInteger(secret, isUnsigned: true, isBigEndian: true);
        for (var i = 1; i < threshold; i++)
        {
            coefficients[i] = RandomElement();
        }

        var shares = new SecretShare[xs.Length];
        for (var j = 0; j < xs.Length; j++)
        {
            // Horner's rule for f(x) mod p.
            var x = new BigInteger(xs[j]);
            var y = BigInteger.Zero;
            for (var i = threshold - 1; i >= 0; i--)
            {
                y = ((y * x) + coefficients[i]) % Prime;
            }

            shares[j] = new SecretShare(xs[j], y);
        }

        return shares;
    }

    /// <summary>
    /// f(0) from the shares by Lagrange interpolation, written as <paramref name="secretSize"/> big-endian bytes. With
    /// fewer than the threshold the result is a field element unrelated to the secret: callers count shares first.
    /// False, with the reason, for duplicate or invalid points, or a result that does not fit the secret size.
    /// </summary>
    public static bool TryCombine(IReadOnlyList<SecretShare> shares, int secretSize, Span<byte> secret, out string reason)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (shares.Count == 0 || secret.Length != secretSize || secretSize > MaxSecretSize)
        {
            reason = $"{shares.Count} shares for a {secretSize}-byte secret";
            return false;
        }

        var seen = new HashSet<int>();
        foreach (var share in shares)
        {
            if (share.X < 1 || !seen.Add(share.X) || share.Y.Sign < 0 || share.Y >= Prime)
            {
                reason = $"share at x = {share.X} is a duplicate or not a field element";
                return false;
            }
        }

        var result = BigInteger.Zero;
        for (var j = 0; j < shares.Count; j++)
        {
            // l_j(0) = Π_{m≠j} x_m / (x_m − x_j)
            var numerator = BigInteger.One;
            var denominator = BigInteger.One;
            for (var m = 0; m < shares.Count; m++)
            {
                if (m == j)
                {
                    continue;
                }

                numerator = numerator * shares[m].X % Prime;
                denominator = denominator * Mod(shares[m].X - shares[j].X) % Prime;
            }

            var lagrange = numerator * BigInteger.ModPow(denominator, Prime - 2, Prime) % Prime;
            result = (result + (shares[j].Y * lagrange)) % Prime;
        }

        var byteCount = result.GetByteCount(isUnsigned: true);
        if (byteCount > secretSize)
        {
            reason = $"the shares combine to a value wider than {secretSize} bytes (inconsistent shares)";
            return false;
        }

        secret.Clear();
        result.TryWriteBytes(secret[(secretSize - byteCount)..], out _, isUnsigned: true, isBigEndian: true);
        reason = string.Empty;
        return true;
    }

    /// <summary>A field element as <see cref="ElementSize"/> big-endian bytes.</summary>
    public static void WriteElement(BigInteger value, Span<byte> destination)
    {
        destination[..ElementSize].Clear();
        var count = value.GetByteCount(isUnsigned: true);
        value.TryWriteBytes(destination.Slice(ElementSize - count, count), out _, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Reads a field element; false for a value ≥ p.</summary>
    public static bool TryReadElement(ReadOnlySpan<byte> source, out BigInteger value)
    {
        value = new BigInteger(source[..ElementSize], isUnsigned: true, isBigEndian: true);
        return value < Prime;
    }

    private static BigInteger Mod(long value)
    {
        var r = new BigInteger(value) % Prime;
        return r.Sign < 0 ? r + Prime : r;
    }

    private static BigInteger RandomElement()
    {
        Span<byte> bytes = stackalloc byte[ElementSize];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            bytes[0] &= 0x01; // 521 bits = 65 bytes and one bit
            var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
            if (value < Prime)
            {
                return value;
            }
        }
    }
}
