using GossipFl.Learning.Data;
using GossipFl.Topology.Files;

namespace GossipFl.Learning.Tests.Data;

public sealed class LocalCsvTests : IDisposable
{
    private static readonly TaskDeclaration Iris = new([2], ["setosa", "versicolor", "virginica"]);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_HeaderAndClassNames_RoundTrips()
    {
        var data = Load("a,b,species\n1.5,2,setosa\n-3e-1,4,virginica\n");

        Assert.Equal([2], data.SampleShape);
        Assert.Equal(3, data.ClassCount);
        Assert.Equal([1.5f, 2f, -0.3f, 4f], data.Features);
        Assert.Equal([0L, 2], data.Labels);
        Assert.Equal("data", data.Name);
    }

    [Fact]
    public void Load_NoHeaderIntegerIds_KeepsFirstRow()
    {
        var data = Load("1,2,0\n3,4,2\n5,6,1.0\n");

        Assert.Equal(3, data.Count);
        Assert.Equal([0L, 2, 1], data.Labels);
    }

    [Fact]
    public void Load_FirstRowWithClassNameLabel_IsData()
    {
        // Every feature is a number and the label is a class: not a header.
        var data = Load("0.5,0.25,versicolor\n1,2,setosa\n");

        Assert.Equal([1L, 0], data.Labels);
    }

    [Fact]
    public void Load_LabelFirstByHeaderName_ReadsTheOtherColumnsAsFeatures()
    {
        var data = Load("species,a,b\nvirginica,1,2\nsetosa,3,4\n", new LocalDataOptions("species"));

        Assert.Equal([1f, 2f, 3f, 4f], data.Features);
        Assert.Equal([2L, 0], data.Labels);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void Load_LabelFirstByIndex_ReadsTheOtherColumnsAsFeatures(string column)
    {
        var data = Load("2,1,2\n0,3,4\n", new LocalDataOptions(column));

        Assert.Equal([1f, 2f, 3f, 4f], data.Features);
        Assert.Equal([2L, 0], data.Labels);
    }

    [Fact]
    public void Load_LabelColumnInTheMiddle_KeepsFeatureOrder()
    {
        var data = Load("a,y,b\n1,setosa,2\n", new LocalDataOptions("1"));

        Assert.Equal([1f, 2f], data.Features);
    }

    [Fact]
    public void Load_OnlySomeClasses_KeepsTheTasksClassCount()
    {
        var data = Load("1,2,virginica\n3,4,virginica\n");

        Assert.Equal(3, data.ClassCount);
        Assert.Equal([2L, 2], data.Labels);
    }

    [Fact]
    public void Load_RangeAndPerFeatureNormalisation_ComputedInDoubleRoundedOnce()
    {
        var task = new TaskDeclaration([2], ["a", "b"], range: (0, 255), mean: [0.5, 0.25], std: [0.25, 0.5]);
        var data = LocalData.Load(Write("51,255,a\n0,17,b\n"), task);

        float Expected(double raw, double mean, double std) => (float)(((raw / 255.0) - mean) / std);
        Assert.Equal(
            [Expected(51, 0.5, 0.25), Expected(255, 0.25, 0.5), Expected(0, 0.5, 0.25), Expected(17, 0.25, 0.5)],
            data.Features);
    }

    [Fact]
    public void Load_QuotedCellsCrLfAndBlankLines_AreTolerated()
    {
        var data = Load("\r\n\"a\", b ,\"species\"\r\n\r\n \"1\" , 2 , \"setosa\" \r\n  \r\n");

        Assert.Equal([1f, 2f], data.Features);
    }

    [Fact]
    public void Load_WrongFeatureCount_SaysBothCountsAndTheLine()
    {
        var ex = Fails("\n1,2,3,0\n");

        Assert.Contains("line 2: 3 feature columns", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("has 2 values", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RowWithTooFewFields_NamesLineAndColumn()
    {
        var ex = Fails("1,2,0\n3,1\n");

        Assert.Contains("line 2, column 3: expected 3 fields", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownClass_NamesLineLabelAndClasses()
    {
        var ex = Fails("a,b,y\n1,2,setosa\n1,2,daisy\n");

        Assert.Contains("line 3, column 3: label 'daisy' is not a class of the task", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("'setosa', 'versicolor', 'virginica', or ids 0..2", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("-1")]
    [InlineData("1.5")]
    public void Load_FirstRowLabelOutOfRange_IsADataRowWithABadLabel(string label)
    {
        var ex = Fails($"1,2,{label}\n");

        Assert.Contains($"line 1, column 3: label '{label}' is not a class", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN", "is not finite")]
    [InlineData("Infinity", "is not finite")]
    [InlineData("-Infinity", "is not finite")]
    [InlineData("1e300", "is beyond the range of a float")]
    [InlineData("abc", "is not a number")]
    public void Load_BadFeature_NamesLineColumnAndValue(string text, string why)
    {
        var ex = Fails($"1,2,0\n3,{text},1\n");

        Assert.Contains($"line 2, column 2: feature '{text}' {why}", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ValueOutsideRange_IsRefusedWithItsLine()
    {
        var task = new TaskDeclaration([2], ["a", "b"], range: (0, 255));
        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(Write("1,2,a\n3,256,b\n"), task));

        Assert.Contains("line 2, column 2: value 256 is outside the task's range [0, 255]", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n \n\n")]
    public void Load_EmptyFile_SaysEmpty(string content)
    {
        Assert.Contains("the file is empty", Fails(content).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HeaderOnly_SaysNoDataRows()
    {
        Assert.Contains("header (line 2) but no data rows", Fails("\na,b,species\n").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LabelColumnNameMissing_ListsTheHeader()
    {
        var ex = Fails("a,b,species\n1,2,0\n", new LocalDataOptions("label"));

        Assert.Contains("label column 'label' is not in the header (line 1, 3 columns: 'a', 'b', 'species')", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("-4")]
    public void Load_LabelColumnIndexOutOfRange_SaysTheColumnCount(string column)
    {
        var ex = Fails("1,2,0\n", new LocalDataOptions(column));

        Assert.Contains($"label column {column} is out of range: line 1 has 3 columns", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LongOffendingText_IsShortened()
    {
        var label = new string('x', 100);
        var ex = Fails($"1,2,0\n1,2,{label}\n");

        Assert.Contains(new string('x', 40) + "...'", ex.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 41), ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ImageShapedTask_ReadsRowsAsImages()
    {
        var task = new TaskDeclaration([1, 2, 2], ["a", "b"], mean: [1.0], std: [2.0]);
        var data = LocalData.Load(Write("1,3,5,7,b\n"), task);

        Assert.Equal([1, 2, 2], data.SampleShape);
        Assert.Equal([0f, 1f, 2f, 3f], data.Features);
    }

    [Fact]
    public void CsvDatasetLoad_StillRemapsLabelsAsBefore()
    {
        // The old --dataset x.csv path shares the cell rules but keeps its own label semantics.
        var table = CsvDataset.Read(Write("0.1,7\n0.2,-2\n"));

        Assert.Equal([-2L, 7], table.ClassLabels);
    }

    private Dataset Load(string content, LocalDataOptions? options = null) => LocalData.Load(Write(content), Iris, options);

    private DataFormatException Fails(string content, LocalDataOptions? options = null)
    {
        var path = Write(content);
        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(path, Iris, options));
        Assert.Equal(path, ex.Path);
        Assert.DoesNotContain('\n', ex.Message);
        return ex;
    }

    private string Write(string content)
    {
        var path = _dir.File("data.csv");
        File.WriteAllText(path, content);
        return path;
    }
}
