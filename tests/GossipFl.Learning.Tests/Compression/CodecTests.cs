using GossipFl.Learning.Compression;

namespace GossipFl.Learning.Tests.Compression;

public sealed class CodecTests
{
    public static TheoryData<string> Codecs => ["none", "fp16", "int8", "sign", "topk:0.1", "topk:1"];

    private static float[] Random(int n, ulong seed, float magnitude = 1f)
    {
        var random = new CodecRandom(seed);
        var values = new float[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = ((2 * random.NextSingle()) - 1) * magnitude;
        }

        return values;
    }

    private static float[] RoundTrip(ICodec codec, float[] values, ulong seed = 1)
    {
        var bytes = new byte[codec.EncodedSize];
        var random = new CodecRandom(seed);
        codec.Encode(values, bytes, ref random);
        var decoded = new float[values.Length];
        Assert.True(codec.TryDecodeAdd(bytes, decoded, 1f, out var reason), reason);
        return decoded;
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Encode_IsDeterministicForTheSameSeed(string name)
    {
        var codec = CodecSpec.Parse(name).Create(3000);
        var values = Random(3000, 7);
        var a = new byte[codec.EncodedSize];
        var b = new byte[codec.EncodedSize];
        var ra = new CodecRandom(5);
        var rb = new CodecRandom(5);

        codec.Encode(values, a, ref ra);
        codec.Encode(values, b, ref rb);

        Assert.Equal(a, b);
    }

    [Fact]
    public void None_RoundTripsExactly()
    {
        var values = Random(1000, 1, 1e6f);

        Assert.Equal(values, RoundTrip(new IdentityCodec(1000), values));
    }

    [Fact]
    public void Float16_RelativeErrorAtMostTwoToMinusEleven_AndSaturates()
    {
        var values = Random(5000, 2, 100f);
        values[0] = 1e6f;
        values[1] = -1e6f;

        var decoded = RoundTrip(new Float16Codec(values.Length), values);

        Assert.Equal(65504f, decoded[0]);
        Assert.Equal(-65504f, decoded[1]);
        for (var i = 2; i < values.Length; i++)
        {
            if (Math.Abs(values[i]) > 1e-4f)
            {
                Assert.True(Math.Abs(decoded[i] - values[i]) <= Math.Abs(values[i]) * Math.Pow(2, -11), $"{values[i]} -> {decoded[i]}");
            }
        }
    }

    [Fact]
    public void Float16_VectorPath_GivesTheSameBitsAsTheHalfConversion()
    {
        // Every kind of value: random magnitudes over the whole float range (normals, half subnormals, underflow to
        // zero, overflow to saturation), exact ties between two halves, signed zeros, NaN.
        var generator = new CodecRandom(17);
        var values = new float[4096];
        for (var i = 0; i < values.Length; i++)
        {
            var bits = (uint)generator.NextUInt64();
            values[i] = (i % 4) switch
            {
                0 => BitConverter.UInt32BitsToSingle(bits & 0xBFFF_FFFFu), // exponent below 128: finite
                1 => ((2 * generator.NextSingle()) - 1) * 1e-5f, // around the half subnormals
                2 => (float)(Half)((generator.NextSingle() * 100) - 50) + (float)Math.ScaleB(1, -12), // near ties
                _ => ((2 * generator.NextSingle()) - 1) * 70000f, // some beyond ±65504
            };
        }

        values[0] = 0f;
        values[1] = -0f;
        values[2] = float.NaN;
        values[3] = 1f + (float)Math.ScaleB(1, -11); // exactly halfway between two halves: rounds to even
        var codec = new Float16Codec(values.Length);
        var bytes = new byte[codec.EncodedSize];
        var random = new CodecRandom(1);

        codec.Encode(values, bytes, ref random);

        for (var i = 0; i < values.Length; i++)
        {
            var expected = BitConverter.HalfToUInt16Bits((Half)Math.Clamp(values[i], -65504f, 65504f));
            var actual = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i));
            if (float.IsNaN(values[i]))
            {
                Assert.Equal(0x7C00, actual & 0x7C00);
                Assert.NotEqual(0, actual & 0x03FF);
            }
            else
            {
                Assert.True(expected == actual, $"value {i} = {values[i]:R}: expected 0x{expected:X4}, got 0x{actual:X4}");
            }
        }
    }

    [Fact]
    public void Float16_Decode_EveryFiniteHalf_IsTheHalfConversionScaled()
    {
        var finite = Enumerable.Range(0, 1 << 16).Select(b => (ushort)b).Where(b => (b & 0x7C00) != 0x7C00).ToArray();
        var bytes = new byte[2 * finite.Length];
        for (var i = 0; i < finite.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), finite[i]);
        }

        var codec = new Float16Codec(finite.Length);
        var decoded = Enumerable.Repeat(1f, finite.Length).ToArray();

        Assert.True(codec.TryDecodeAdd(bytes, decoded, 0.5f, out var reason), reason);

        for (var i = 0; i < finite.Length; i++)
        {
            var expected = 1f + (0.5f * (float)BitConverter.UInt16BitsToHalf(finite[i]));
            Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(decoded[i]), $"half 0x{finite[i]:X4}: expected {expected:R}, got {decoded[i]:R}");
        }
    }

    [Fact]
    public void Int8_ErrorBelowOneStepOfItsChunk()
    {
        var values = Random(2000, 3, 5f);
        values[700] = 40f; // a large value in the second chunk makes its step coarser, not the others'

        var decoded = RoundTrip(new Int8Codec(values.Length), values);

        for (var i = 0; i < values.Length; i++)
        {
            var chunk = values.AsSpan(i / Int8Codec.ChunkLength * Int8Codec.ChunkLength, Math.Min(Int8Codec.ChunkLength, values.Length - (i / Int8Codec.ChunkLength * Int8Codec.ChunkLength)));
            var step = chunk.ToArray().Max(Math.Abs) / 127f;
            Assert.True(Math.Abs(decoded[i] - values[i]) <= step * 1.0001f, $"value {i}: {values[i]} -> {decoded[i]}, step {step}");
        }

        Assert.Equal(40f, decoded[700], 4);
    }

    [Fact]
    public void Int8_ZeroChunk_DecodesToZero()
    {
        var values = new float[1100];
        values[1050] = 1f;

        var decoded = RoundTrip(new Int8Codec(values.Length), values);

        Assert.All(decoded.AsSpan(0, 1024).ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(1f, decoded[1050], 5);
    }

    [Fact]
    public void Int8_StochasticRounding_IsUnbiased()
    {
        // Values between levels: the mean of many encodings converges to the value, not to the nearest level.
        const int n = 512;
        const int trials = 4000;
        var values = Random(n, 11);
        values[0] = 1f; // fixes the step at 1/127
        var codec = new Int8Codec(n);
        var sum = new double[n];
        var bytes = new byte[codec.EncodedSize];
        var decoded = new float[n];
        for (var t = 0; t < trials; t++)
        {
            var random = CodecRandom.For(42, 0, t);
            codec.Encode(values, bytes, ref random);
            Array.Clear(decoded);
            Assert.True(codec.TryDecodeAdd(bytes, decoded, 1f, out _));
            for (var i = 0; i < n; i++)
            {
                sum[i] += decoded[i];
            }
        }

        // Per value the rounding error is at most one step s = 1/127 with variance ≤ s²/4; the mean of 4000 has
        // standard deviation ≤ s/126. Six of those bound every one of 512 values; a biased (nearest) rounding would
        // be off by up to s/2 = 63 of them.
        var step = 1.0 / 127;
        var worst = 0.0;
        for (var i = 0; i < n; i++)
        {
            worst = Math.Max(worst, Math.Abs((sum[i] / trials) - values[i]));
        }

        Assert.True(worst < 6 * step / 126, $"worst bias {worst:E3}, bound {6 * step / 126:E3}");

        var meanError = 0.0;
        var single = RoundTrip(codec, values, 3);
        for (var i = 0; i < n; i++)
        {
            meanError += Math.Abs(single[i] - values[i]);
        }

        Assert.True(meanError / n > 0.1 * step, "a single encoding does round (otherwise the test above proves nothing)");
    }

    [Fact]
    public void TopK_KeepsExactlyTheKLargestMagnitudes()
    {
        for (var seed = 1UL; seed <= 20; seed++)
        {
            var n = 100 + (int)(seed * 37);
            var values = Random(n, seed, 3f);
            var codec = new TopKCodec(n, 0.07);

            var decoded = RoundTrip(codec, values);

            var expected = Enumerable.Range(0, n).OrderByDescending(i => Math.Abs(values[i])).ThenBy(i => i).Take(codec.K).ToHashSet();
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(expected.Contains(i) ? values[i] : 0f, decoded[i]);
            }
        }
    }

    [Fact]
    public void TopK_Ties_LowerIndexFirst_AndExactlyK()
    {
        var values = new float[20];
        Array.Fill(values, 1f);
        values[3] = -2f;
        var codec = new TopKCodec(20, 0.2); // k = 4

        var decoded = RoundTrip(codec, values);

        Assert.Equal([1f, 1f, 1f, -2f, 0f], decoded[..5]);
        Assert.Equal(4, decoded.Count(v => v != 0));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void TryDecodeAdd_AddsScaledToDestination(string name)
    {
        var codec = CodecSpec.Parse(name).Create(1500);
        var values = Random(1500, 9);
        var bytes = new byte[codec.EncodedSize];
        var random = new CodecRandom(1);
        codec.Encode(values, bytes, ref random);
        var once = new float[1500];
        Assert.True(codec.TryDecodeAdd(bytes, once, 1f, out _));
        var destination = Enumerable.Repeat(2f, 1500).ToArray();

        Assert.True(codec.TryDecodeAdd(bytes, destination, 0.5f, out _));

        for (var i = 0; i < destination.Length; i++)
        {
            Assert.Equal(2f + (0.5f * once[i]), destination[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Encode_NonFiniteInput_IsRefusedOrSaturated(string name)
    {
        var codec = CodecSpec.Parse(name).Create(600);
        var values = Random(600, 4);
        values[5] = float.NaN;
        var bytes = new byte[codec.EncodedSize];
        var random = new CodecRandom(1);

        if (name is "none")
        {
            codec.Encode(values, bytes, ref random);
            Assert.False(codec.TryValidate(bytes, out var reason));
            Assert.Contains("value 5", reason, StringComparison.Ordinal);
        }
        else if (name is "fp16")
        {
            // Clamp passes NaN through; the receiver refuses it.
            codec.Encode(values, bytes, ref random);
            Assert.False(codec.TryValidate(bytes, out _));
        }
        else
        {
            Assert.Throws<ArgumentException>(() => codec.Encode(values, bytes, ref random));
        }
    }
}
