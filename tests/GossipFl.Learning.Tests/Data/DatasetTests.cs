using GossipFl.Learning.Data;

namespace GossipFl.Learning.Tests.Data;

public sealed class DatasetTests
{
    private static readonly int[] Shape = [2, 3];

    [Fact]
    public void FromCodes_Features_AreTheCodeValuesOfEachByte()
    {
        var (codes, values) = Coded(samples: 4, seed: 1);
        var data = Dataset.FromCodes("coded", codes, values, [0, 1, 2, 1], Shape, 3);

        Assert.False(data.IsExpanded);
        Assert.Equal(codes.Select(c => values[c]), data.Features);
        Assert.True(data.IsExpanded);
        Assert.Same(data.Features, data.Features);
        Assert.Equal(codes.Skip(6).Take(6).Select(c => values[c]), data.FeaturesOf(1).ToArray());
    }

    [Fact]
    public void Subset_OfACodedSet_EqualsTheSubsetOfItsFloats_WithoutExpandingTheWholeSet()
    {
        var (codes, values) = Coded(samples: 50, seed: 2);
        var labels = Enumerable.Range(0, 50).Select(i => (long)(i % 3)).ToArray();
        var coded = Dataset.FromCodes("coded", codes, values, labels, Shape, 3);
        var plain = new Dataset("plain", codes.Select(c => values[c]).ToArray(), labels, Shape, 3);
        int[] part = [49, 3, 3, 17, 0];

        var fromCodes = coded.Subset(part, "part");
        var fromFloats = plain.Subset(part, "part");

        Assert.False(coded.IsExpanded);
        Assert.Equal(fromFloats.Features, fromCodes.Features);
        Assert.Equal(fromFloats.Labels, fromCodes.Labels);
        Assert.Equal(Shape, fromCodes.SampleShape);

        // Once the floats exist, subsets copy them: the same values either way.
        _ = coded.Features;
        Assert.Equal(fromFloats.Features, coded.Subset(part).Features);
    }

    [Fact]
    public void CopyRows_OfACodedSet_DecodesJustThoseRows_AndRefusesRowsItDoesNotHold()
    {
        var (codes, values) = Coded(samples: 5, seed: 4);
        var coded = Dataset.FromCodes("coded", codes, values, [0, 1, 2, 1, 0], Shape, 3);
        var rows = new float[2 * 6];

        coded.CopyRows(3, 2, rows);

        Assert.False(coded.IsExpanded);
        Assert.Equal(codes.Skip(18).Take(12).Select(c => values[c]), rows);
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => coded.CopyRows(4, 2, rows));
        Assert.Contains("rows [4, 6)", outside.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => coded.CopyRows(0, 3, rows));
    }

    [Fact]
    public void FromCodes_WrongShapeOrTable_NamesTheProblem()
    {
        var (codes, values) = Coded(samples: 2, seed: 3);

        var shape = Assert.Throws<ArgumentException>(() => Dataset.FromCodes("bad", codes, values, [0, 1, 1], Shape, 2));
        Assert.Contains("12 feature values do not make 3 samples of 6 features", shape.Message, StringComparison.Ordinal);
        var table = Assert.Throws<ArgumentException>(() => Dataset.FromCodes("bad", codes, values.AsSpan(0, 255), [0, 1], Shape, 2));
        Assert.Contains("needs 256 values, got 255", table.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.FromCodes("coded", codes, values, [0, 1], Shape, 2).Subset([2]));
    }

    private static (byte[] Codes, float[] Values) Coded(int samples, int seed)
    {
        var random = new Random(seed);
        var codes = new byte[samples * 6];
        random.NextBytes(codes);
        var values = Enumerable.Range(0, 256).Select(b => (float)((b / 255.0) - 0.5) * 3.7f).ToArray();
        return (codes, values);
    }
}
