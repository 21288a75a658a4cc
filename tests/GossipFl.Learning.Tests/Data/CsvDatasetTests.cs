using GossipFl.Learning.Data;

namespace GossipFl.Learning.Tests.Data;

public sealed class CsvDatasetTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_WithHeader_DetectsHeaderAndNames()
    {
        var table = CsvDataset.Read(Write("x,\"y\",label\n1.5,2,0\n-3e-1,4,1\n"));

        Assert.True(table.HasHeader);
        Assert.Equal(["x", "y"], table.FeatureNames);
        Assert.Equal([2], table.Dataset.SampleShape);
        Assert.Equal([1.5f, 2f, -0.3f, 4f], table.Dataset.Features);
        Assert.Equal([0L, 1], table.Dataset.Labels);
        Assert.False(table.LabelsRemapped);
    }

    [Fact]
    public void Read_WithoutHeader_NamesFeaturesAndKeepsFirstRow()
    {
        var table = CsvDataset.Read(Write("1,2,3,0\n4,5,6,1\n"));

        Assert.False(table.HasHeader);
        Assert.Equal(["feature_1", "feature_2", "feature_3"], table.FeatureNames);
        Assert.Equal(2, table.Dataset.Count);
    }

    [Fact]
    public void Read_BlankLinesCrLfAndSpaces_AreTolerated()
    {
        var table = CsvDataset.Read(Write("\r\n a , b ,c\r\n\r\n 1 , 2 , 1 \r\n   \r\n3,4,0\r\n\r\n"));

        Assert.Equal(["a", "b"], table.FeatureNames);
        Assert.Equal([1f, 2f, 3f, 4f], table.Dataset.Features);
        Assert.Equal([1L, 0], table.Dataset.Labels);
    }

    [Fact]
    public void Read_NonContiguousLabels_MapsSortedValuesToClassIds()
    {
        var table = CsvDataset.Read(Write("0.1,7\n0.2,-2\n0.3,3\n0.4,7\n"));

        Assert.Equal([-2L, 3, 7], table.ClassLabels);
        Assert.Equal([2L, 0, 1, 2], table.Dataset.Labels);
        Assert.Equal(3, table.Dataset.ClassCount);
        Assert.True(table.LabelsRemapped);
        Assert.Equal("labels -2, 3, 7 -> classes 0, 1, 2", table.DescribeLabelMapping());
    }

    [Fact]
    public void Read_IntegralFloatLabels_AreAccepted()
    {
        var table = CsvDataset.Read(Write("1,0.0\n2,1.0\n"));
        Assert.Equal([0L, 1], table.Dataset.Labels);
    }

    [Fact]
    public void Load_NameDefaultsToFileName()
    {
        Assert.Equal("data", CsvDataset.Load(Write("1,0\n2,1\n", "data.csv")).Name);
    }

    [Fact]
    public void Read_TooFewFields_ReportsLineColumnAndRow()
    {
        var ex = Fails("a,b,c\n1,2,0\n\n3,1\n");
        Assert.Contains("line 4, column 3", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("expected 3 fields (2 features and a label)", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("'3,1'", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TooManyFields_ReportsExtraField()
    {
        var ex = Fails("1,2,0\n1,2,0,99\n");
        Assert.Contains("line 2, column 4", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("extra field '99'", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NonNumericFeature_ReportsLineColumnAndText()
    {
        var ex = Fails("a,b,label\n1,2,0\n1,abc,1\n");
        Assert.Contains("line 3, column 2: feature 'abc' is not a number", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DecimalComma_IsNotANumber()
    {
        // Invariant culture: "1,5" would be two fields, so test a single cell written the French way with a quote.
        var ex = Fails("x,label\n\"2;5\",1\n3,0\n");
        Assert.Contains("line 2, column 1: feature '2;5' is not a number", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    public void Read_NonFiniteFeature_ReportsIt(string text)
    {
        var ex = Fails($"1,2,0\n3,{text},1\n");
        Assert.Contains($"line 2, column 2: feature '{text}' is not finite", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FeatureBeyondFloatRange_ReportsIt()
    {
        var ex = Fails("1,0\n1e300,1\n");
        Assert.Contains("line 2, column 1: feature '1e300' is beyond the range of a float", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyFeature_ReportsIt()
    {
        var ex = Fails("1,2,0\n1,,1\n");
        Assert.Contains("line 2, column 2: feature is empty", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cat")]
    [InlineData("1.5")]
    public void Read_NonIntegerLabel_ReportsIt(string text)
    {
        var ex = Fails($"1,2,0\n1,2,{text}\n");
        Assert.Contains($"line 2, column 3: label '{text}' is not an integer class id", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n  \n\n")]
    public void Read_EmptyFile_ReportsEmpty(string content)
    {
        Assert.Contains("the file is empty", Fails(content).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderOnly_ReportsNoDataRows()
    {
        Assert.Contains("header (line 2) but no data rows", Fails("\nx,y,label\n").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SingleClass_ReportsIt()
    {
        var ex = Fails("1,4\n2,4\n3,4\n");
        Assert.Contains("all 3 rows have label 4", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("at least 2 classes", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OneColumn_ReportsMissingFeatures()
    {
        Assert.Contains("at least one feature and a label", Fails("1\n0\n").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LongOffendingRow_IsShortenedInMessage()
    {
        var row = string.Join(",", Enumerable.Repeat("1.25", 30));
        var ex = Fails($"1,2,0\n{row}\n");
        Assert.Contains("...'", ex.Problem, StringComparison.Ordinal);
        Assert.True(ex.Problem.Length < 200, ex.Problem);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        var path = _dir.File("none.csv");
        Assert.Contains(path, Assert.Throws<FileNotFoundException>(() => CsvDataset.Read(path)).Message, StringComparison.Ordinal);
    }

    private DataFormatException Fails(string content)
    {
        var path = Write(content);
        var ex = Assert.Throws<DataFormatException>(() => CsvDataset.Read(path));
        Assert.Equal(path, ex.Path);
        Assert.StartsWith(path + ": ", ex.Message, StringComparison.Ordinal);
        return ex;
    }

    private string Write(string content, string? name = null)
    {
        var path = _dir.File(name ?? Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllText(path, content);
        return path;
    }
}
