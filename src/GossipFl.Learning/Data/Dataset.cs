namespace GossipFl.Learning.Data;

/// <summary>
/// Labelled samples presented as one row-major float block (<see cref="Count"/> rows of <see cref="FeatureCount"/>
/// values) plus one class label per row. This is the shape the native engine consumes without copying.
/// </summary>
/// <remarks>
/// A data set whose values come from a byte code each (image pixels: 256 possible values) can be held as those
/// codes and expanded to floats only when <see cref="Features"/> is first read (<see cref="FromCodes"/>). A peer
/// that takes its part with <see cref="Subset"/> then never holds the whole set as floats: for Fashion-MNIST that is
/// 188 MB of a daemon's peak memory it does not need. The expansion is a table lookup, so the floats are the same bits
/// whichever way they are made.
/// </remarks>
public sealed class Dataset
{
    private readonly byte[]? _codes;
    private readonly float[]? _codeValues;
    private readonly Lock _expanding = new();
    private float[]? _features;

    public Dataset(string name, float[] features, long[] labels, IReadOnlyList<int> sampleShape, int classCount)
        : this(name, features, null, null, features?.LongLength ?? throw new ArgumentNullException(nameof(features)), labels, sampleShape, classCount)
    {
    }

    private Dataset(string name, float[]? features, byte[]? codes, float[]? codeValues, long valueCount, long[] labels, IReadOnlyList<int> sampleShape, int classCount)
    {
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
        if ((long)labels.Length * featureCount != valueCount)
        {
            throw new ArgumentException(
                $"Dataset '{name}': {valueCount} feature values do not make {labels.Length} samples of {featureCount} features.",
                nameof(labels));
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classCount)
            {
                throw new ArgumentException($"Dataset '{name}': sample {i} has label {labels[i]}, outside [0, {classCount}).", nameof(labels));
            }
        }

        Name = name;
        _features = features;
        _codes = codes;
        _codeValues = codeValues;
        Labels = labels;
        SampleShape = sampleShape.ToArray();
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    public string Name { get; }

    /// <summary>Row-major features: sample i occupies [i * FeatureCount, (i + 1) * FeatureCount).</summary>
    public float[] Features
    {
        get
        {
            if (_features is { } features)
            {
                return features;
            }

            lock (_expanding)
            {
                return _features ??= Expand(_codes!, _codeValues!);
            }
        }
    }

    /// <summary>Whether the float block exists yet (a data set made <see cref="FromCodes"/> expands on first use).</summary>
    internal bool IsExpanded => Volatile.Read(ref _features) is not null;

    /// <summary>Whether the values are held as byte codes (<see cref="FromCodes"/>), expanded or not.</summary>
    internal bool HoldsCodes => _codes is not null;

    public long[] Labels { get; }

    /// <summary>Shape of one sample, e.g. [1, 28, 28] for a grey image or [18] for a tabular row.</summary>
    public IReadOnlyList<int> SampleShape { get; }

    public int FeatureCount { get; }

    public int ClassCount { get; }

    public int Count => Labels.Length;

    public ReadOnlySpan<float> FeaturesOf(int sample) => Features.AsSpan(sample * FeatureCount, FeatureCount);

    /// <summary>
    /// The same samples with every label y replaced by classes − 1 − y: a label-flipping attacker's data
    /// (docs/algorithms.md, "Attacks"). Shares the features.
    /// </summary>
    public Dataset WithFlippedLabels()
    {
        var flipped = new long[Labels.Length];
        for (var i = 0; i < flipped.Length; i++)
        {
            flipped[i] = ClassCount - 1 - Labels[i];
        }

        return new Dataset(Name + " (labels flipped)", Features, flipped, SampleShape, ClassCount);
    }

    /// <summary>
    /// Samples whose every value is one of 256 (<paramref name="codeValues"/>), held as a byte code per value:
    /// value j of the float block is <c>codeValues[codes[j]]</c>. The floats are made on first use of
    /// <see cref="Features"/>; <see cref="Subset"/> makes only the rows it copies.
    /// </summary>
    public static Dataset FromCodes(string name, byte[] codes, ReadOnlySpan<float> codeValues, long[] labels, IReadOnlyList<int> sampleShape, int classCount)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codeValues.Length != 256)
        {
            throw new ArgumentException($"Dataset '{name}': a byte code needs 256 values, got {codeValues.Length}.", nameof(codeValues));
        }

        return new Dataset(name, null, codes, codeValues.ToArray(), codes.LongLength, labels, sampleShape, classCount);
    }

    /// <summary>
    /// A new dataset holding copies of the given samples, in the given order. A set held as byte codes and not yet
    /// expanded gives a subset held as codes too (a quarter of the memory of its floats, expanded on first use).
    /// </summary>
    public Dataset Subset(ReadOnlySpan<int> indices, string? name = null)
    {
        var expanded = Volatile.Read(ref _features);
        var labels = new long[indices.Length];
        var features = expanded is not null ? new float[(long)indices.Length * FeatureCount] : null;
        var codes = expanded is null ? new byte[(long)indices.Length * FeatureCount] : null;
        for (var i = 0; i < indices.Length; i++)
        {
            var source = indices[i];
            if ((uint)source >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Dataset '{Name}' has {Count} samples; index {source} is out of range.");
            }

            if (expanded is not null)
            {
                expanded.AsSpan(source * FeatureCount, FeatureCount).CopyTo(features.AsSpan(i * FeatureCount, FeatureCount));
            }
            else
            {
                _codes.AsSpan(source * FeatureCount, FeatureCount).CopyTo(codes.AsSpan(i * FeatureCount, FeatureCount));
            }

            labels[i] = Labels[source];
        }

        return codes is not null
            ? new Dataset(name ?? Name, null, codes, _codeValues, codes.LongLength, labels, SampleShape, ClassCount)
            : new Dataset(name ?? Name, features!, labels, SampleShape, ClassCount);
    }

    /// <summary>
    /// Writes the values of samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>)
    /// into <paramref name="destination"/>, decoding them from their byte codes when the floats are not made: what
    /// a reader that takes the data a chunk at a time uses, so the whole float block never exists.
    /// </summary>
    public void CopyRows(int start, int count, Span<float> destination)
    {
        if (start < 0 || count < 0 || start > Count - count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Dataset '{Name}' has {Count} samples; rows [{start}, {start + count}) are out of range.");
        }

        var length = count * FeatureCount;
        if (destination.Length < length)
        {
            throw new ArgumentException($"{count} samples of {FeatureCount} features need {length} values, the destination holds {destination.Length}.", nameof(destination));
        }

        var offset = (long)start * FeatureCount;
        if (Volatile.Read(ref _features) is { } expanded)
        {
            expanded.AsSpan((int)offset, length).CopyTo(destination);
        }
        else
        {
            Decode(_codes.AsSpan((int)offset, length), _codeValues, destination[..length]);
        }
    }

    /// <summary>
    /// The samples of every part, in order, as one data set: e.g. the union of several nodes' files for the
    /// centralized reference. The parts must share the sample shape and class count.
    /// </summary>
    public static Dataset Concat(string name, IReadOnlyList<Dataset> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("nothing to concatenate", nameof(parts));
        }

        var first = parts[0];
        foreach (var part in parts)
        {
            if (!part.SampleShape.SequenceEqual(first.SampleShape) || part.ClassCount != first.ClassCount)
            {
                throw new ArgumentException(
                    $"'{part.Name}' has samples [{string.Join(", ", part.SampleShape)}] in {part.ClassCount} classes, '{first.Name}' [{string.Join(", ", first.SampleShape)}] in {first.ClassCount}",
                    nameof(parts));
            }
        }

        var features = new float[parts.Sum(p => p.Features.LongLength)];
        var labels = new long[parts.Sum(p => p.Count)];
        long valueOffset = 0;
        var sampleOffset = 0;
        foreach (var part in parts)
        {
            Array.Copy(part.Features, 0, features, valueOffset, part.Features.LongLength);
            Array.Copy(part.Labels, 0, labels, sampleOffset, part.Count);
            valueOffset += part.Features.LongLength;
            sampleOffset += part.Count;
        }

        return new Dataset(name, features, labels, first.SampleShape, first.ClassCount);
    }

    private static float[] Expand(byte[] codes, float[] codeValues)
    {
        var features = new float[codes.LongLength];
        Decode(codes, codeValues, features);
        return features;
    }

    private static void Decode(ReadOnlySpan<byte> codes, ReadOnlySpan<float> codeValues, Span<float> values)
    {
        for (var j = 0; j < codes.Length; j++)
        {
            values[j] = codeValues[codes[j]];
        }
    }
}
