using System.Buffers.Binary;
using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Compression;

namespace GossipFl.Daemon.Tests.Protocol;

public sealed class CompressedModelShareTests
{
    private const int Length = 1000;

    private static byte[] Encoded(ICodec codec)
    {
        var values = Enumerable.Range(0, Length).Select(i => MathF.Sin(i)).ToArray();
        var payload = new byte[codec.EncodedSize];
        var random = new CodecRandom(3);
        codec.Encode(values, payload, ref random);
        var share = new CompressedModelShare(42, 0.25, 0.8125, codec.Spec.Kind, payload);
        var bytes = new byte[share.Size];
        share.WriteTo(bytes);
        return bytes;
    }

    [Theory]
    [InlineData("fp16")]
    [InlineData("int8")]
    [InlineData("sign")]
    [InlineData("topk:0.01")]
    public void WriteThenRead_RoundTripsEveryField(string name)
    {
        var codec = CodecSpec.Parse(name).Create(Length);
        var bytes = Encoded(codec);

        Assert.True(CompressedModelShare.TryRead(bytes, codec, out var share, out var reason), reason);
        Assert.Equal(42, share.Round);
        Assert.Equal(0.25, share.Share);
        Assert.Equal(0.8125, share.Weight);
        Assert.Equal(codec.Spec.Kind, share.Codec);
        Assert.Equal(bytes.AsSpan(CompressedModelShare.HeaderSize).ToArray(), share.Payload.ToArray());
        Assert.True(CompressedModelShare.IsCompressed(bytes));
    }

    [Fact]
    public void Write_UsesTheDocumentedLayout()
    {
        var codec = new Int8Codec(Length);
        var bytes = Encoded(codec);

        Assert.Equal([1, 2, 0, 0], bytes[..4]);
        Assert.Equal(42, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(4)));
        Assert.Equal(0.25, BinaryPrimitives.ReadDoubleBigEndian(bytes.AsSpan(12)));
        Assert.Equal(0.8125, BinaryPrimitives.ReadDoubleBigEndian(bytes.AsSpan(20)));
        Assert.Equal((byte)CodecKind.EightBit, bytes[28]);
        Assert.Equal((uint)codec.EncodedSize, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(32)));
        Assert.Equal(CompressedModelShare.HeaderSize + codec.EncodedSize, bytes.Length);
    }

    [Fact]
    public void AnotherCodec_IsRefusedNamingBoth()
    {
        var bytes = Encoded(new Int8Codec(Length));

        Assert.False(CompressedModelShare.TryRead(bytes, new Float16Codec(Length), out _, out var reason));
        Assert.Equal("encoded with int8, this node decodes fp16", reason);
    }

    [Fact]
    public void TruncatedCorruptedOrUncompressed_IsRefusedWithAReason()
    {
        var codec = new TopKCodec(Length, 0.01);
        var bytes = Encoded(codec);

        Assert.False(CompressedModelShare.TryRead(bytes.AsMemory(0, 20), codec, out _, out var reason));
        Assert.Contains("truncated", reason, StringComparison.Ordinal);
        Assert.False(CompressedModelShare.TryRead(bytes.AsMemory(0, bytes.Length - 1), codec, out _, out reason));
        Assert.Contains("payload of", reason, StringComparison.Ordinal);

        var outOfRange = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(outOfRange.AsSpan(CompressedModelShare.HeaderSize), 5000);
        Assert.False(CompressedModelShare.TryRead(outOfRange, codec, out _, out reason));
        Assert.Contains("out of range", reason, StringComparison.Ordinal);

        var badWeight = (byte[])bytes.Clone();
        BinaryPrimitives.WriteDoubleBigEndian(badWeight.AsSpan(20), double.PositiveInfinity);
        Assert.False(CompressedModelShare.TryRead(badWeight, codec, out _, out reason));
        Assert.Contains("weight", reason, StringComparison.Ordinal);

        var versionOne = (byte[])bytes.Clone();
        versionOne[1] = ModelShare.Version;
        Assert.False(CompressedModelShare.TryRead(versionOne, codec, out _, out reason));
        Assert.Contains("version 1", reason, StringComparison.Ordinal);
        // And an uncompressed reader refuses a compressed share by its version.
        Assert.False(ModelShare.TryRead(bytes, Length, out _, out reason));
        Assert.Contains("version 2", reason, StringComparison.Ordinal);
    }
}
