using System.Buffers.Binary;
using GossipFl.Daemon.Protocol;

namespace GossipFl.Daemon.Tests.Protocol;

public sealed class ModelShareTests
{
    private static readonly float[] Values = [1.5f, -0.0f, float.Epsilon, 3e38f, -7.25f];
    private static readonly float[] One = [1f];
    private static readonly float[] WithNaN = [1f, float.NaN, 2f];

    [Fact]
    public void WriteThenRead_RoundTripsEveryFieldBitForBit()
    {
        var bytes = Write(new ModelShare(42, 0.25, 0.8125, Values));

        Assert.True(ModelShare.TryRead(bytes, Values.Length, out var share, out var reason), reason);
        Assert.Equal(42, share.Round);
        Assert.Equal(0.25, share.Share);
        Assert.Equal(0.8125, share.Weight);
        Assert.Equal(Values.Select(BitConverter.SingleToInt32Bits), share.Values.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void AsynchronousFlag_IsBit0OfTheFlags_AndRoundTrips()
    {
        var bytes = Write(new ModelShare(3, 0.5, 0.5, One, asynchronous: true));

        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2)));
        Assert.True(ModelShare.TryRead(bytes, 1, out var share, out var reason), reason);
        Assert.True(share.Asynchronous);
        Assert.True(ModelShare.TryRead(Write(new ModelShare(3, 0.5, 0.5, One)), 1, out var synchronous, out reason), reason);
        Assert.False(synchronous.Asynchronous);
    }

    [Fact]
    public void Write_UsesTheDocumentedLayout()
    {
        var bytes = Write(new ModelShare(7, 0.5, 2.0, One));

        Assert.Equal([ModelShare.Kind, ModelShare.Version, 0, 0], bytes[..4]);
        Assert.Equal(7, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(4)));
        Assert.Equal(0.5, BinaryPrimitives.ReadDoubleBigEndian(bytes.AsSpan(12)));
        Assert.Equal(2.0, BinaryPrimitives.ReadDoubleBigEndian(bytes.AsSpan(20)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(28)));
        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(32)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(ModelShare.HeaderSize - 1)]
    [InlineData(ModelShare.HeaderSize + 4)]
    public void TryRead_Truncated_IsRefusedWithAReason(int length)
    {
        var bytes = Write(new ModelShare(1, 0.5, 0.5, Values));

        Assert.False(ModelShare.TryRead(bytes.AsSpan(0, length), Values.Length, out _, out var reason));
        Assert.False(string.IsNullOrEmpty(reason));
    }

    [Fact]
    public void TryRead_ModelOfAnotherSize_IsRefused()
    {
        var bytes = Write(new ModelShare(1, 0.5, 0.5, Values));

        Assert.False(ModelShare.TryRead(bytes, Values.Length + 1, out _, out var reason));
        Assert.Contains("this model has 6 values", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, (byte)9, "kind 9")]
    [InlineData(1, (byte)2, "version 2")]
    public void TryRead_OtherKindOrVersion_IsRefused(int offset, byte value, string expected)
    {
        var bytes = Write(new ModelShare(1, 0.5, 0.5, Values));
        bytes[offset] = value;

        Assert.False(ModelShare.TryRead(bytes, Values.Length, out _, out var reason));
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.5, 0.5)]
    [InlineData(-0.1, 0.5)]
    [InlineData(double.NaN, 0.5)]
    [InlineData(0.5, -1.0)]
    [InlineData(0.5, double.PositiveInfinity)]
    public void TryRead_ShareOrWeightOutOfRange_IsRefused(double share, double weight)
    {
        var bytes = Write(new ModelShare(1, share, weight, Values));

        Assert.False(ModelShare.TryRead(bytes, Values.Length, out _, out var reason));
        Assert.Contains("out of range", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_NonFiniteValue_IsRefusedSoAPeerCannotPoisonTheModel()
    {
        var bytes = Write(new ModelShare(1, 0.5, 0.5, WithNaN));

        Assert.False(ModelShare.TryRead(bytes, 3, out _, out var reason));
        Assert.Equal("value 1 is NaN", reason);
    }

    [Fact]
    public void TryRead_RandomBytes_RefusesWithoutThrowing()
    {
        // Any exception fails the test; every input here is also malformed (random lengths never equal a valid share
        // of 8 values, which is 64 bytes only by chance: those must carry 8 finite values to pass).
        var random = new Random(3);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 80)];
            random.NextBytes(bytes);
            if (random.Next(2) == 0 && bytes.Length >= 2)
            {
                bytes[0] = ModelShare.Kind;
                bytes[1] = ModelShare.Version;
            }

            if (ModelShare.TryRead(bytes, 8, out var share, out var reason))
            {
                Assert.Equal(ModelShare.SizeFor(8), bytes.Length);
                Assert.All(share.Values.ToArray(), value => Assert.True(float.IsFinite(value)));
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(reason));
            }
        }
    }

    private static byte[] Write(ModelShare share)
    {
        var bytes = new byte[share.Size];
        share.WriteTo(bytes);
        return bytes;
    }
}
