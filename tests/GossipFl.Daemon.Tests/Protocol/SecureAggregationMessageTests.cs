using System.Buffers.Binary;
using System.Security.Cryptography;
using GossipFl.Daemon.Protocol;
using GossipFl.Learning.SecureAggregation;

namespace GossipFl.Daemon.Tests.Protocol;

/// <summary>The secure-aggregation messages (kinds 10-19, version 2): layout, a round trip of each kind, and refusal of anything malformed.</summary>
public sealed class SecureAggregationMessageTests
{
    private const int VectorLength = 5;

    public static TheoryData<SecureAggregationMessageKind> Kinds => new(Enum.GetValues<SecureAggregationMessageKind>());

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Message_RoundTripsThroughItsBytes(SecureAggregationMessageKind kind)
    {
        var message = SecureAggregationMessage.Create(kind, 7, 3, 9, 4, 5, Body(kind));
        var bytes = message.ToArray();

        Assert.True(SecureAggregationMessage.TryRead(bytes, VectorLength, out var read, out var reason), reason);
        Assert.Equal((kind, 7, 3L, 9L, 4, 5), (read.Kind, read.Attempt, read.Term, read.Round, read.Threshold, read.Sampled));
        Assert.Equal(bytes, read.ToArray());
        Assert.True(SecureAggregationMessage.IsSecureAggregationKind(bytes[0]));
    }

    [Fact]
    public void Message_UsesTheDocumentedHeader()
    {
        var bytes = SecureAggregationMessage.Create(SecureAggregationMessageKind.KeyRequest, 0x0A0B, 0x0102, 0x0304, 6, 8, null).ToArray();

        Assert.Equal(SecureAggregationMessage.HeaderSize, bytes.Length);
        Assert.Equal([10, 2, 0x0A, 0x0B], bytes[..4]);
        Assert.Equal(0x0102, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(4)));
        Assert.Equal(0x0304, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(12)));
        Assert.Equal(6, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(20)));
        Assert.Equal(8, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(22)));
    }

    [Theory]
    [InlineData(1, 5, "outside 2 <= t <= n")]
    [InlineData(6, 5, "outside 2 <= t <= n")]
    [InlineData(4, 2000, "outside 2 <= t <= n")]
    public void Message_WithAThresholdThatCannotProtect_IsRefused(int threshold, int sampled, string expected)
    {
        var bytes = SecureAggregationMessage.Create(SecureAggregationMessageKind.KeyRequest, 0, 1, 1, 2, 3, null).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(20), (ushort)threshold);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(22), (ushort)sampled);

        Assert.False(SecureAggregationMessage.TryRead(bytes, VectorLength, out _, out var reason));
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Message_TruncatedOtherVersionNegativeOrWithTheWrongBody_IsRefusedWithAReason()
    {
        var masked = SecureAggregationMessage.Create(SecureAggregationMessageKind.MaskedInput, 0, 1, 2, 2, 3, Body(SecureAggregationMessageKind.MaskedInput)).ToArray();
        Assert.False(SecureAggregationMessage.TryRead(masked.AsSpan(0, 23), VectorLength, out _, out var reason));
        Assert.Contains("truncated", reason, StringComparison.Ordinal);
        Assert.False(SecureAggregationMessage.TryRead(masked.AsSpan(0, masked.Length - 1), VectorLength, out _, out reason));
        Assert.Contains("MaskedInput: masked input of 5 values", reason, StringComparison.Ordinal);
        Assert.False(SecureAggregationMessage.TryRead(masked, VectorLength + 1, out _, out _));

        var other = (byte[])masked.Clone();
        other[1] = 3;
        Assert.False(SecureAggregationMessage.TryRead(other, VectorLength, out _, out reason));
        Assert.Contains("version 3", reason, StringComparison.Ordinal);

        // The honest-but-curious layout of version 1 (unsigned keys, no consistency check) is refused by name.
        var first = (byte[])masked.Clone();
        first[1] = 1;
        first[2] = first[3] = 0;
        Assert.False(SecureAggregationMessage.TryRead(first, VectorLength, out _, out reason));
        Assert.Contains("version 1 (unsigned ephemeral keys, no consistency check) is refused", reason, StringComparison.Ordinal);

        // Version-1 keys (130 bytes: no identity key, no signature) do not parse as version-2 keys.
        var unsigned = SecureAggregationMessage.Create(SecureAggregationMessageKind.AdvertiseKeys, 0, 1, 2, 2, 3, Body(SecureAggregationMessageKind.AdvertiseKeys)).ToArray();
        Assert.False(SecureAggregationMessage.TryRead(unsigned.AsSpan(0, SecureAggregationMessage.HeaderSize + 130), VectorLength, out _, out reason));
        Assert.Contains("AdvertiseKeys: advertised keys are two uncompressed points", reason, StringComparison.Ordinal);

        var negative = (byte[])masked.Clone();
        BinaryPrimitives.WriteInt64BigEndian(negative.AsSpan(12), -1);
        Assert.False(SecureAggregationMessage.TryRead(negative, VectorLength, out _, out reason));
        Assert.Contains("negative", reason, StringComparison.Ordinal);

        var request = SecureAggregationMessage.Create(SecureAggregationMessageKind.KeyRequest, 0, 1, 2, 2, 3, null).ToArray();
        Assert.False(SecureAggregationMessage.TryRead([.. request, 0], VectorLength, out _, out reason));
        Assert.Contains("no body", reason, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => SecureAggregationMessage.Create(SecureAggregationMessageKind.KeyDirectory, 0, 1, 2, 2, 3, Body(SecureAggregationMessageKind.MaskedInput)));
    }

    [Fact]
    public void Message_RandomBytesAfterAValidHeader_NeverThrow()
    {
        var header = SecureAggregationMessage.Create(SecureAggregationMessageKind.KeyRequest, 0, 1, 2, 2, 3, null).ToArray();
        var random = new Random(5);
        for (var trial = 0; trial < 2000; trial++)
        {
            var bytes = new byte[SecureAggregationMessage.HeaderSize + random.Next(0, 400)];
            random.NextBytes(bytes);
            header.AsSpan(1).CopyTo(bytes.AsSpan(1));
            bytes[0] = (byte)random.Next(10, 20);
            _ = SecureAggregationMessage.TryRead(bytes, VectorLength, out _, out _);
        }
    }

    private static object? Body(SecureAggregationMessageKind kind)
    {
        var point = new byte[65];
        point[0] = 0x04;
        var keys = new AdvertisedKeys(point, point, new byte[IdentitySignatures.PublicKeySize], new byte[IdentitySignatures.SignatureSize]);
        return kind switch
        {
            SecureAggregationMessageKind.KeyRequest => null,
            SecureAggregationMessageKind.AdvertiseKeys => keys,
            SecureAggregationMessageKind.KeyDirectory => new KeyDirectory([(0, keys), (2, keys)]),
            SecureAggregationMessageKind.ShareKeys or SecureAggregationMessageKind.RelayedShares =>
                new ShareCiphertexts([(1, RandomNumberGenerator.GetBytes(ShareCiphertexts.CiphertextSize))]),
            SecureAggregationMessageKind.MaskedInput => new MaskedInput([1, 2, 3, ulong.MaxValue, 0]),
            SecureAggregationMessageKind.Survivors => new SurvivorList([0, 1, 4]),
            SecureAggregationMessageKind.Unmasking => new UnmaskingShares([(0, UnmaskingShareKind.MaskKey, 12345)]),
            SecureAggregationMessageKind.SurvivorSignature => new SurvivorSignature(RandomNumberGenerator.GetBytes(SurvivorSignature.Size)),
            SecureAggregationMessageKind.ConsistencyProof => new ConsistencyProof([(0, new byte[64]), (4, RandomNumberGenerator.GetBytes(64))]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
