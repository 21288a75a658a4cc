using GossipFl.Learning.Compression;

namespace GossipFl.Learning.Tests.Compression;

/// <summary>
/// The one-pass candidate path of top-k on long vectors: it must pick exactly the k values the full selection picks
/// (largest magnitudes, ties to the lower index), for every shape of input, including those where the sample misleads.
/// </summary>
public sealed class TopKCandidatesTests
{
    private const int N = 60_011; // not a multiple of the vector width: the scalar tail runs too

    public static TheoryData<string> Shapes => ["uniform", "heavy-tailed", "few-levels", "all-equal", "mostly-zero", "hidden-from-the-sample", "growing"];

    private static float[] Vector(string shape, ulong seed)
    {
        var random = new CodecRandom(seed);
        var values = new float[N];
        for (var i = 0; i < N; i++)
        {
            var u = (2 * random.NextSingle()) - 1;
            values[i] = shape switch
            {
                "uniform" => u,
                "heavy-tailed" => u / MathF.Max(1e-3f, random.NextSingle() * random.NextSingle()),
                "few-levels" => MathF.Round(u * 3) / 3,
                "all-equal" => 0.5f,
                "mostly-zero" => i % 97 == 0 ? u : 0f,
                // Every sampled position (a multiple of N / 4096 = 14) is small, every other one large.
                "hidden-from-the-sample" => i % 14 == 0 ? u * 1e-3f : u,
                "growing" => i * 1e-4f * u,
                _ => throw new ArgumentException(shape),
            };
        }

        return values;
    }

    private static HashSet<int> Expected(float[] values, int k) =>
        Enumerable.Range(0, values.Length).OrderByDescending(i => MathF.Abs(values[i])).ThenBy(i => i).Take(k).ToHashSet();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Encode_LongVectors_SendsExactlyTheKLargestMagnitudes_TiesToTheLowerIndex(string shape)
    {
        foreach (var fraction in (double[])[0.001, 0.01, 0.05])
        {
            var values = Vector(shape, 7);
            var codec = new TopKCodec(N, fraction);
            var bytes = new byte[codec.EncodedSize];
            var random = new CodecRandom(1);
            codec.Encode(values, bytes, ref random);
            var decoded = new float[N];
            Assert.True(codec.TryDecodeAdd(bytes, decoded, 1f, out var reason), reason);

            var expected = Expected(values, codec.K);
            for (var i = 0; i < N; i++)
            {
                Assert.True((expected.Contains(i) ? values[i] : 0f) == decoded[i], $"{shape}, {fraction}: value {i}");
            }
        }
    }

    [Fact]
    public void TryCollect_TypicalVector_TakesTheFastPath_WithAFewTimesKCandidatesInIndexOrder()
    {
        var values = Vector("uniform", 3);
        const int k = 600;
        var capacity = TopKCandidates.Capacity(k);
        var indices = new int[capacity];
        var candidates = new float[capacity];

        Assert.True(TopKCandidates.TryCollect(values, k, indices, candidates, out var count));

        Assert.InRange(count, k, 3 * k);
        Assert.True(indices.AsSpan(0, count).SequenceEqual(indices.AsSpan(0, count).ToArray().Order().ToArray()));
        Assert.All(Enumerable.Range(0, count), j => Assert.Equal(values[indices[j]], candidates[j]));
        Assert.Subset(indices.Take(count).ToHashSet(), Expected(values, k));
    }

    [Fact]
    public void TryCollect_AllEqual_SaysTheSampleMisled_SoTheCallerFallsBack()
    {
        var values = Vector("all-equal", 1);
        var capacity = TopKCandidates.Capacity(600);

        Assert.False(TopKCandidates.TryCollect(values, 600, new int[capacity], new float[capacity], out _));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(40_000)]
    [InlineData(N - 1)]
    public void Encode_NonFiniteValue_IsRefusedNamingItsIndex(int at)
    {
        var values = Vector("uniform", 2);
        values[at] = float.NaN;
        var codec = new TopKCodec(N, 0.01);
        var random = new CodecRandom(1);

        var error = Assert.Throws<ArgumentException>(() => codec.Encode(values, new byte[codec.EncodedSize], ref random));

        Assert.Contains($"value {at} is not finite", error.Message, StringComparison.Ordinal);
    }
}
