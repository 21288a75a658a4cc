namespace GossipFl.Learning.Data;

/// <summary>
/// Labelled samples held as one row-major float block (<see cref="Count"/> rows of <see cref="FeatureCount"/>
/// values) plus one class label per row. This is the shape the native engine consumes without copying.
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, float[] features, long[] labels, IReadOnlyList<int> sampleShape, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (sampleShape.Count == 0 || sampleShape.Any(d => d <= 0))
        {
            throw new ArgumentException($"Dataset '{name}': every sample dimension must be positive, got [{string.Join(", ", sampleShape)}].", nameof(sampleShape));
        }

        if (classCount < 2)
        {
            throw new ArgumentException($"Dataset '{name}': a classification task needs at least 2 classes, got {classCount}.", nameof(classCount));
        }

        var featureCount = sampleShape.Aggregate(1, (a, b) => checked(a * b));
        if ((long)labels.Length * featureCount != features.Length)
        {
            throw new ArgumentException(
                $"Dataset '{name}': {features.Length} feature values do not make {labels.Length} samples of {featureCount} features.",
                nameof(features));
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classCount)
            {
                throw new ArgumentException($"Dataset '{name}': sample {i} has label {labels[i]}, outside [0, {classCount}).", nameof(labels));
            }
        }

        Name = name;
        Features = features;
        Labels = labels;
        SampleShape = sampleShape.ToArray();
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    public string Name { get; }

    /// <summary>Row-major features: sample i occupies [i * FeatureCount, (i + 1) * FeatureCount).</summary>
    public float[] Features { get; }

    public long[] Labels { get; }

    /// <summary>Shape of one sample, e.g. [1, 28, 28] for a grey image or [18] for a tabular row.</summary>
    public IReadOnlyList<int> SampleShape { get; }

    public int FeatureCount { get; }

    public int ClassCount { get; }

    public int Count => Labels.Length;

    public ReadOnlySpan<float> FeaturesOf(int sample) => Features.AsSpan(sample * FeatureCount, FeatureCount);

    /// <summary>A new dataset holding copies of the given samples, in the given order.</summary>
    public Dataset Subset(ReadOnlySpan<int> indices, string? name = null)
    {
        var features = new float[(long)indices.Length * FeatureCount];
        var labels = new long[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            var source = indices[i];
            if ((uint)source >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Dataset '{Name}' has {Count} samples; index {source} is out of range.");
            }

            FeaturesOf(source).CopyTo(features.AsSpan(i * FeatureCount, FeatureCount));
            labels[i] = Labels[source];
        }

        return new Dataset(name ?? Name, features, labels, SampleShape, ClassCount);
    }
}
