using System.Buffers.Binary;
using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Compression;

namespace GossipFl.Daemon.Tests.Protocol;

public sealed class CompressedFedAvgUpdateTests
{
    private const int Length = 1000;

    private static byte[] Encoded(ICodec codec, long samples = 640)
    {
        var local = Enumerable.Range(0, Length).Select(i => MathF.Sin(i)).ToArray();
        var global = Enumerable.Range(0, Length).Select(i => MathF.Cos(i)).ToArray();
        var payload = new FedAvgUpdateCompressor(2, codec, 7).Encode(5, local, global);
        return new CompressedFedAvgUpdate(3, 5, samples, codec.Spec.Kind, payload).ToArray();
    }

    [Theory]
    [InlineData("fp16")]
    [InlineData("int8")]
    [InlineData("sign")]
    [InlineData("topk:0.01")]
    public void WriteThenRead_RoundTripsEveryField_AndTheModelRebuildsFromTheGlobalOne(string name)
    {
        var codec = CodecSpec.Parse(name).Create(Length);
        var bytes = Encoded(codec);

        Assert.True(CompressedFedAvgUpdate.TryRead(bytes, codec, out var update, out var reason), reason);
        Assert.Equal(3, update.Term);
        Assert.Equal(5, update.Round);
        Assert.Equal(640, update.Samples);
        Assert.Equal(codec.Spec.Kind, update.Codec);
        Assert.True(CompressedFedAvgUpdate.IsCompressed(bytes));

        // fp16 and int8 carry every coordinate: the rebuilt model is the client's to within the codec's error.
        var global = Enumerable.Range(0, Length).Select(i => MathF.Cos(i)).ToArray();
        var model = new float[Length];
        Assert.True(FedAvgUpdateCompressor.TryReconstruct(codec, update.Payload.Span, global, model, out reason), reason);
        if (codec.Spec.Kind == CodecKind.Sign)
        {
            // One bit per coordinate: every rebuilt change points the way the client's change did.
            Assert.All(Enumerable.Range(0, Length), i => Assert.Equal(MathF.Sign(MathF.Sin(i) - global[i]), MathF.Sign(model[i] - global[i])));
        }
        else if (codec.Spec.Kind != CodecKind.TopK)
        {
            var worst = Enumerable.Range(0, Length).Max(i => MathF.Abs(model[i] - MathF.Sin(i)));
            Assert.InRange(worst, 0f, 0.02f);
        }
        else
        {
            Assert.Equal(Length / 100, Enumerable.Range(0, Length).Count(i => model[i] != global[i]));
        }
    }

    [Fact]
    public void Write_UsesTheDocumentedLayout()
    {
        var codec = new Int8Codec(Length);
        var bytes = Encoded(codec);

        Assert.Equal([7, 2, 0, 0], bytes[..4]);
        Assert.Equal(3, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(4)));
        Assert.Equal(5, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(12)));
        Assert.Equal(640, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(20)));
        Assert.Equal((byte)CodecKind.EightBit, bytes[28]);
        Assert.Equal([0, 0, 0], bytes[29..32]);
        Assert.Equal((uint)codec.EncodedSize, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(32)));
        Assert.Equal(CompressedFedAvgUpdate.HeaderSize + codec.EncodedSize, bytes.Length);
    }

    [Fact]
    public void HostileOrMismatchedUpdates_AreRefusedWithAReason_AndThePlainReaderRefusesThemByVersion()
    {
        var codec = new TopKCodec(Length, 0.01);
        var bytes = Encoded(codec);

        Assert.False(CompressedFedAvgUpdate.TryRead(bytes.AsMemory(0, 20), codec, out _, out var reason));
        Assert.Contains("truncated", reason, StringComparison.Ordinal);
        Assert.False(CompressedFedAvgUpdate.TryRead(bytes.AsMemory(0, bytes.Length - 1), codec, out _, out reason));
        Assert.Contains("payload of", reason, StringComparison.Ordinal);
        Assert.False(CompressedFedAvgUpdate.TryRead(bytes, new Float16Codec(Length), out _, out reason));
        Assert.Equal("encoded with topk, this node decodes fp16", reason);

        var outOfRange = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(outOfRange.AsSpan(CompressedFedAvgUpdate.HeaderSize), 5000);
        Assert.False(CompressedFedAvgUpdate.TryRead(outOfRange, codec, out _, out reason));
        Assert.Contains("out of range", reason, StringComparison.Ordinal);

        var negative = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt64BigEndian(negative.AsSpan(20), -1);
        Assert.False(CompressedFedAvgUpdate.TryRead(negative, codec, out _, out reason));
        Assert.Contains("sample count -1", reason, StringComparison.Ordinal);

        var reserved = (byte[])bytes.Clone();
        reserved[30] = 1;
        Assert.False(CompressedFedAvgUpdate.TryRead(reserved, codec, out _, out reason));
        Assert.Contains("reserved", reason, StringComparison.Ordinal);

        Assert.False(FedAvgMessage.TryRead(bytes, Length, out _, out reason));
        Assert.Contains("version 2", reason, StringComparison.Ordinal);
    }
}
