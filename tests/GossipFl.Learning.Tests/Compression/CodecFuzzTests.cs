using System.Buffers.Binary;
using GossipFl.Learning.Compression;

namespace GossipFl.Learning.Tests.Compression;

/// <summary>Hostile payloads: every codec refuses with a reason, writes nothing, and never throws or over-allocates.</summary>
public sealed class CodecFuzzTests
{
    public static TheoryData<string> Codecs => ["none", "fp16", "int8", "sign", "topk:0.05"];

    [Theory]
    [MemberData(nameof(Codecs))]
    public void RandomAndMutatedPayloads_AreDecodedOrRefusedWithAReason_NeverThrow(string name)
    {
        const int n = 1200;
        var codec = CodecSpec.Parse(name).Create(n);
        var generator = new CodecRandom(99);
        var valid = new byte[codec.EncodedSize];
        var values = Enumerable.Range(0, n).Select(i => MathF.Sin(i)).ToArray();
        var random = new CodecRandom(1);
        codec.Encode(values, valid, ref random);
        var refused = 0;
        for (var trial = 0; trial < 3000; trial++)
        {
            byte[] payload;
            switch (trial % 3)
            {
                case 0:
                    // Random length and content.
                    payload = new byte[(int)(generator.NextUInt64() % (ulong)(2 * codec.EncodedSize + 3))];
                    for (var i = 0; i < payload.Length; i++)
                    {
                        payload[i] = (byte)generator.NextUInt64();
                    }

                    break;
                case 1:
                    // A valid payload with a few bytes flipped.
                    payload = (byte[])valid.Clone();
                    for (var k = 0; k < 4; k++)
                    {
                        payload[(int)(generator.NextUInt64() % (ulong)payload.Length)] ^= (byte)(1 + (generator.NextUInt64() % 255));
                    }

                    break;
                default:
                    // A valid payload truncated or extended.
                    var length = (int)(generator.NextUInt64() % (ulong)(codec.EncodedSize + 16));
                    payload = new byte[length];
                    valid.AsSpan(0, Math.Min(length, valid.Length)).CopyTo(payload);
                    break;
            }

            var destination = new float[n];
            var ok = codec.TryDecodeAdd(payload, destination, 1f, out var reason);
            Assert.Equal(ok, codec.TryValidate(payload, out _));
            if (!ok)
            {
                refused++;
                Assert.False(string.IsNullOrWhiteSpace(reason));
                Assert.All(destination, v => Assert.Equal(0f, v));
            }
            else
            {
                Assert.All(destination, v => Assert.True(float.IsFinite(v)));
            }
        }

        Assert.True(refused > 1000, $"only {refused} of 3000 refused");
    }

    [Fact]
    public void TopK_IndexOutOfRange_IsRefused()
    {
        var codec = new TopKCodec(100, 0.03);
        var payload = new byte[codec.EncodedSize];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(8), 100);

        Assert.False(codec.TryValidate(payload, out var reason));
        Assert.Contains("out of range", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TopK_IndicesNotIncreasing_AreRefused()
    {
        var codec = new TopKCodec(100, 0.03);
        var payload = new byte[codec.EncodedSize];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, 5);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), 5);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(8), 9);

        Assert.False(codec.TryValidate(payload, out var reason));
        Assert.Contains("does not increase", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Int8_NonFiniteOrNegativeScale_IsRefused()
    {
        var codec = new Int8Codec(10);
        var payload = new byte[codec.EncodedSize];
        foreach (var scale in new[] { float.NaN, float.PositiveInfinity, -1f })
        {
            BinaryPrimitives.WriteSingleLittleEndian(payload, scale);
            Assert.False(codec.TryValidate(payload, out var reason));
            Assert.Contains("scale", reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void WrongLength_IsRefusedNamingBothLengths(string name)
    {
        var codec = CodecSpec.Parse(name).Create(1000);

        Assert.False(codec.TryValidate(new byte[codec.EncodedSize + 1], out var reason));
        Assert.Contains((codec.EncodedSize + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), reason, StringComparison.Ordinal);
        Assert.Contains(codec.EncodedSize.ToString(System.Globalization.CultureInfo.InvariantCulture), reason, StringComparison.Ordinal);
    }
}
