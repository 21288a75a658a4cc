using System.Security.Cryptography;
using GossipFl.Learning.SecureAggregation;

namespace GossipFl.Learning.Tests.SecureAggregation;

public sealed class KeyAgreementTests
{
    [Fact]
    public void Agree_GivesBothEndsTheSameKey_BoundToContextPurposeAndPair()
    {
        using var a = KeyAgreement.Generate();
        using var b = KeyAgreement.Generate();
        var context = SHA256.HashData("r"u8);
        var ab = KeyAgreement.Agree(a, b, context, "pairwise mask", 1, 2);
        Assert.Equal(ab, KeyAgreement.Agree(b, a, context, "pairwise mask", 2, 1));
        Assert.NotEqual(ab, KeyAgreement.Agree(a, b, context, "share encryption", 1, 2));
        Assert.NotEqual(ab, KeyAgreement.Agree(a, b, SHA256.HashData("s"u8), "pairwise mask", 1, 2));
    }

    [Fact]
    public void ImportPrivate_RefusesAScalarThatDoesNotBelongToTheAdvertisedPoint()
    {
        using var a = KeyAgreement.Generate();
        using var b = KeyAgreement.Generate();
        Assert.True(KeyAgreement.TryImportPrivate(KeyAgreement.ExportPrivate(a), KeyAgreement.ExportPublic(a), out var same, out var reason), reason);
        same.Dispose();
        Assert.False(KeyAgreement.TryImportPrivate(KeyAgreement.ExportPrivate(a), KeyAgreement.ExportPublic(b), out _, out reason));
        Assert.Contains("does not match", reason, StringComparison.Ordinal);
    }
}
