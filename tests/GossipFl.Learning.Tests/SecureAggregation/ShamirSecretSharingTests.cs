using System.Security.Cryptography;
using GossipFl.Learning.SecureAggregation;

namespace GossipFl.Learning.Tests.SecureAggregation;

public sealed class ShamirSecretSharingTests
{
    [Fact]
    public void Combine_AnyThresholdOfTheShares_RecoversTheSecret_AndThresholdMinusOneDoesNot()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var xs = new[] { 1, 2, 3, 5, 8, 13 };
        const int t = 4;
        var shares = ShamirSecretSharing.Split(secret, t, xs);

        // Every 4-subset of the 6 shares recovers it.
        var subsets = 0;
        for (var mask = 0; mask < 1 << xs.Length; mask++)
        {
            var chosen = shares.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
            var recovered = new byte[32];
            if (chosen.Length == t)
            {
                Assert.True(ShamirSecretSharing.TryCombine(chosen, 32, recovered, out var reason), reason);
                Assert.Equal(secret, recovered);
                subsets++;
            }
            else if (chosen.Length == t - 1)
            {
                // Interpolating t − 1 points gives some other field element (probability of hitting the secret: 2^-521).
                var ok = ShamirSecretSharing.TryCombine(chosen, 32, recovered, out _);
                Assert.False(ok && recovered.AsSpan().SequenceEqual(secret));
            }
        }

        Assert.Equal(15, subsets);
    }

    [Fact]
    public void Combine_DuplicatePointsOrValuesOutsideTheField_AreRefused()
    {
        var shares = ShamirSecretSharing.Split(new byte[32], 2, [1, 2, 3]);
        var output = new byte[32];
        Assert.False(ShamirSecretSharing.TryCombine([shares[0], shares[0]], 32, output, out var reason));
        Assert.Contains("duplicate", reason, StringComparison.Ordinal);
        Assert.False(ShamirSecretSharing.TryCombine([shares[0], new SecretShare(2, ShamirSecretSharing.Prime)], 32, output, out _));
    }

    [Fact]
    public void Element_RoundTripsThroughItsBytes_AndValuesAtOrAbovePAreRefused()
    {
        var share = ShamirSecretSharing.Split(RandomNumberGenerator.GetBytes(32), 3, [1, 2, 3])[2];
        var bytes = new byte[ShamirSecretSharing.ElementSize];
        ShamirSecretSharing.WriteElement(share.Y, bytes);
        Assert.True(ShamirSecretSharing.TryReadElement(bytes, out var back));
        Assert.Equal(share.Y, back);
        ShamirSecretSharing.WriteElement(ShamirSecretSharing.Prime, bytes);
        Assert.False(ShamirSecretSharing.TryReadElement(bytes, out _));
    }
}
