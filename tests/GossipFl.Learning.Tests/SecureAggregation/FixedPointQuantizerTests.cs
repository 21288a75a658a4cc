using GossipFl.Learning.Data;
using GossipFl.Learning.SecureAggregation;

namespace GossipFl.Learning.Tests.SecureAggregation;

public sealed class FixedPointQuantizerTests
{
    [Fact]
    public void EncodeSumDecode_GivesTheWeightedMean_WithinTheStatedBound()
    {
        const int d = 500;
        var random = new Xoshiro256StarStar(7);
        var global = Enumerable.Range(0, d).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var counts = new long[] { 1, 600, 7500, 123, 60000 };
        var locals = counts.Select(_ => global.Select(g => g + (float)((random.NextDouble() * 4) - 2)).ToArray()).ToArray();
        var sum = new ulong[d + 1];
        var encoded = new ulong[d + 1];
        for (var k = 0; k < counts.Length; k++)
        {
            Assert.Equal(0, FixedPointQuantizer.Encode(locals[k], global, counts[k], encoded));
            for (var i = 0; i <= d; i++)
            {
                sum[i] = unchecked(sum[i] + encoded[i]);
            }
        }

        var model = new float[d];
        Assert.True(FixedPointQuantizer.TryDecodeMean(sum, global, model, out var total, out var reason), reason);
        Assert.Equal(counts.Sum(), total);
        for (var i = 0; i < d; i++)
        {
            var exact = 0.0;
            for (var k = 0; k < counts.Length; k++)
            {
                exact += counts[k] * ((double)locals[k][i] - global[i]);
            }

            var expected = global[i] + (exact / total);
            // The fixed-point bound plus half an ulp of the float32 result.
            var bound = FixedPointQuantizer.MeanErrorBound + (Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected)) + (Math.Abs(expected) * 6e-8);
            Assert.InRange(Math.Abs(model[i] - expected), 0, bound);
        }
    }

    [Fact]
    public void Encode_ClipsChangesBeyondTheBound_AndCountsThem()
    {
        var encoded = new ulong[4];
        Assert.Equal(2, FixedPointQuantizer.Encode([1000f, -1000f, 1f], [0f, 0f, 0f], 2, encoded));
        var model = new float[3];
        Assert.True(FixedPointQuantizer.TryDecodeMean(encoded, [0f, 0f, 0f], model, out _, out _));
        Assert.Equal([256f, -256f, 1f], model);
    }

    [Fact]
    public void Decode_RefusesASumWithoutAValidSampleCount()
    {
        Assert.False(FixedPointQuantizer.TryDecodeMean([5, 0], [0f], new float[1], out _, out var reason));
        Assert.Contains("sample count", reason, StringComparison.Ordinal);
        Assert.False(FixedPointQuantizer.TryDecodeMean([5, ulong.MaxValue], [0f], new float[1], out _, out _));
    }

    [Fact]
    public void ClientsThatDecline_AddZerosWithZeroSamples_AndARoundOfOnlyThemKeepsTheGlobalModel()
    {
        float[] global = [0.5f, -1f];
        var declined = new ulong[3];
        var trained = new ulong[3];

        FixedPointQuantizer.Encode([9f, 9f], global, 0, declined);
        FixedPointQuantizer.Encode([1f, -2f], global, 4, trained);

        Assert.Equal(new ulong[3], declined);
        var model = new float[2];
        Assert.True(FixedPointQuantizer.TryDecodeMean(declined, global, model, out var none, out var reason), reason);
        Assert.Equal(0, none);
        Assert.Equal(global, model);
        ulong[] both = [.. declined.Zip(trained, (a, b) => unchecked(a + b))];
        Assert.True(FixedPointQuantizer.TryDecodeMean(both, global, model, out var total, out reason), reason);
        Assert.Equal(4, total);
        Assert.Equal(new[] { 1f, -2f }, model);
        Assert.Throws<ArgumentOutOfRangeException>(() => FixedPointQuantizer.Encode([1f, 1f], global, -1, declined));
    }
}
