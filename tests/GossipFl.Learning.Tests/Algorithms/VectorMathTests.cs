using GossipFl.Learning.Algorithms;

namespace GossipFl.Learning.Tests.Algorithms;

public sealed class VectorMathTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(16, 4096 + 13)]
    [InlineData(5, 10_000)]
    public void WeightedSum_EqualsTheScalarMultiplyThenAdd_BitForBit(int sources, int length)
    {
        var vectors = TestGraphs.RandomVectors(sources, length, (ulong)(sources * length));
        var coefficients = Enumerable.Range(0, sources).Select(k => 1f / (k + 3)).ToArray();
        var result = new float[length];

        VectorMath.WeightedSum(result, coefficients, vectors.Select(v => (ReadOnlyMemory<float>)v).ToArray());

        for (var i = 0; i < length; i++)
        {
            var expected = vectors[0][i] * coefficients[0];
            for (var k = 1; k < sources; k++)
            {
                var product = vectors[k][i] * coefficients[k];
                expected += product;
            }

            Assert.Equal(expected, result[i]);
        }
    }

    [Fact]
    public void WeightedSum_MismatchedLengths_Throws()
    {
        Assert.Throws<ArgumentException>(() => VectorMath.WeightedSum(new float[4], [1f], [new float[3]]));
        Assert.Throws<ArgumentException>(() => VectorMath.WeightedSum(new float[4], [1f, 2f], [new float[4]]));
    }
}
