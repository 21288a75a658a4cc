using System.Buffers.Binary;
using GossipFl.Learning.Compression;

namespace GossipFl.Learning.Tests.Compression;

/// <summary>The scaled sign codec against a plain reading of its layout: a float scale per 256 values, then a bit per value.</summary>
public sealed class SignCodecTests
{
    private static float[] Values(int n, ulong seed)
    {
        var random = new CodecRandom(seed);
        var values = new float[n];
        for (var i = 0; i < n; i++)
        {
            // Magnitudes spread over three decades, as a model's layers are.
            values[i] = ((2 * random.NextSingle()) - 1) * MathF.Pow(10, (i / 700) % 3);
        }

        return values;
    }

    private static (byte[] Bytes, float[] Decoded) RoundTrip(float[] values)
    {
        var codec = new SignCodec(values.Length);
        var bytes = new byte[codec.EncodedSize];
        var random = new CodecRandom(1);
        codec.Encode(values, bytes, ref random);
        var decoded = new float[values.Length];
        Assert.True(codec.TryDecodeAdd(bytes, decoded, 1f, out var reason), reason);
        return (bytes, decoded);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(199_210)]
    public void EveryValue_DecodesToItsSignTimesTheMeanMagnitudeOfItsChunk(int n)
    {
        var values = Values(n, (ulong)n);

        var (bytes, decoded) = RoundTrip(values);

        Assert.Equal((4 * ((n + 255) / 256)) + ((n + 7) / 8), bytes.Length);
        for (var start = 0; start < n; start += SignCodec.ChunkLength)
        {
            var length = Math.Min(SignCodec.ChunkLength, n - start);
            var mean = values.Skip(start).Take(length).Sum(v => (double)Math.Abs(v)) / length;
            for (var i = start; i < start + length; i++)
            {
                var expected = values[i] < 0 ? -mean : mean;
                Assert.True(Math.Abs(decoded[i] - expected) <= 1e-6 * mean, $"value {i}: {decoded[i]} for {values[i]}, chunk mean |x| {mean}");
            }
        }
    }

    [Fact]
    public void Layout_IsScaleThenSignBits_LeastSignificantFirst()
    {
        float[] values = [1f, -2f, 3f, -4f, 5f, 6f, -7f, 8f, -9f, 10f];

        var (bytes, _) = RoundTrip(values);

        Assert.Equal(4 + 2, bytes.Length);
        Assert.Equal(5.5f, BinaryPrimitives.ReadSingleLittleEndian(bytes));
        Assert.Equal(0b0100_1010, bytes[4]);
        Assert.Equal(0b0000_0001, bytes[5]);
    }

    [Fact]
    public void ErrorPerChunk_IsTheContractionTheAnalysisAssumes()
    {
        // ‖x − C(x)‖² = ‖x‖² − ‖x‖₁²/d for each chunk of d values: what CHOCO-SGD and error feedback rely on.
        var values = Values(4096, 3);

        var (_, decoded) = RoundTrip(values);

        for (var start = 0; start < values.Length; start += SignCodec.ChunkLength)
        {
            var chunk = values.AsSpan(start, SignCodec.ChunkLength).ToArray();
            var error = chunk.Select((v, k) => Math.Pow(v - decoded[start + k], 2)).Sum();
            var squared = chunk.Sum(v => (double)v * v);
            var l1 = chunk.Sum(v => (double)Math.Abs(v));
            Assert.Equal(squared - (l1 * l1 / chunk.Length), error, squared * 1e-5);
            Assert.True(error < squared, $"chunk at {start}: error {error} not below ‖x‖² {squared}");
        }
    }

    [Fact]
    public void AllZeroChunk_DecodesToZero()
    {
        var values = new float[300];
        values[299] = -1f;

        var (_, decoded) = RoundTrip(values);

        Assert.All(decoded.Take(256), v => Assert.Equal(0f, v));
        Assert.Equal(-1f / 44, decoded[299], 1e-7f);
    }

    [Fact]
    public void HugeFiniteValues_WhoseFloatSumOverflows_StillEncode()
    {
        var values = Enumerable.Range(0, 256).Select(i => (i % 2 == 0 ? 1 : -1) * 3e37f).ToArray();

        var (_, decoded) = RoundTrip(values);

        Assert.Equal(values, decoded);
    }

    [Fact]
    public void PaddingBitsSet_AreRefused()
    {
        var codec = new SignCodec(10);
        var (bytes, _) = RoundTrip(Values(10, 4));
        bytes[5] |= 0x80;

        Assert.False(codec.TryValidate(bytes, out var reason));
        Assert.Contains("sets bits past its 10 values", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void BadScale_IsRefused_AndNothingIsWritten(float scale)
    {
        var codec = new SignCodec(600);
        var (bytes, _) = RoundTrip(Values(600, 5));
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 + 32), scale);
        var destination = new float[600];

        Assert.False(codec.TryDecodeAdd(bytes, destination, 1f, out var reason));
        Assert.Contains("sign chunk 1 has scale", reason, StringComparison.Ordinal);
        Assert.All(destination, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void FashionMnistMlp_Is28xSmallerThanFloat32()
    {
        var codec = new SignCodec(199_210);

        Assert.Equal(28_018, codec.EncodedSize);
        Assert.True(4.0 * 199_210 / codec.EncodedSize > 28.4);
    }
}
