using GossipFl.Learning.Data;

namespace GossipFl.Learning.Tests.Torch;

/// <summary>Small seeded data sets for engine tests that must not depend on any file.</summary>
internal static class RandomData
{
    /// <summary>Gaussian features; the label is the index of the largest of the first <paramref name="classes"/> features, so it is learnable.</summary>
    public static Dataset Learnable(int count, int[] shape, int classes, int seed)
    {
        var random = new Random(seed);
        var featureCount = shape.Aggregate(1, (a, b) => a * b);
        var features = new float[count * featureCount];
        var labels = new long[count];
        for (var i = 0; i < count; i++)
        {
            var row = features.AsSpan(i * featureCount, featureCount);
            for (var j = 0; j < featureCount; j++)
            {
                row[j] = (float)Normal(random);
            }

            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            labels[i] = best;
        }

        return new Dataset("random", features, labels, shape, classes);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
