using GossipFl.Learning.Data;

namespace GossipFl.Learning.Tests.Data;

public sealed class CatalogTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_Synthetic_UsesSizesAndSeedFromOptions()
    {
        var options = new DatasetLoadOptions(Seed: 5, SyntheticTrainCount: 300, SyntheticTestCount: 50);
        var split = DatasetCatalog.Load("synthetic", options);

        Assert.Equal(300, split.Train.Count);
        Assert.Equal(50, split.Test.Count);
        Assert.Equal(SyntheticSusyTests.Hash(SyntheticSusy.Generate(300, 50, 5)), SyntheticSusyTests.Hash(split));
    }

    [Fact]
    public void Load_DefaultOptions_HaveDocumentedDefaults()
    {
        var options = new DatasetLoadOptions();
        Assert.Equal(0UL, options.Seed);
        Assert.Equal(100_000, options.SyntheticTrainCount);
        Assert.Equal(20_000, options.SyntheticTestCount);
        Assert.Equal(0.2, options.CsvTestFraction);
        Assert.Null(options.FashionMnistDirectory);
    }

    [Fact]
    public void Load_FashionMnistFromOptionsDirectory_IsUsed()
    {
        var missing = _dir.File("no-such-dir");
        var ex = Assert.Throws<DirectoryNotFoundException>(() => DatasetCatalog.Load("Fashion-MNIST", new DatasetLoadOptions(FashionMnistDirectory: missing)));
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CsvPath_HoldsOutAStratifiedFifth()
    {
        var path = _dir.File("users.csv");
        File.WriteAllLines(path, ["a,b,label", .. Enumerable.Range(0, 150).Select(i => $"{i},{i * 2},{(i < 100 ? 5 : 9)}")]);

        var split = DatasetCatalog.Load(path, new DatasetLoadOptions(Seed: 1));

        Assert.Equal(120, split.Train.Count);
        Assert.Equal(30, split.Test.Count);
        Assert.Equal(20, split.Test.Labels.Count(l => l == 0));
        Assert.Equal(10, split.Test.Labels.Count(l => l == 1));
        Assert.Equal("users-train", split.Train.Name);

        // Train and test are disjoint and together hold every row (the first feature is the row number).
        var rows = split.Train.Features.Where((_, i) => i % 2 == 0).Concat(split.Test.Features.Where((_, i) => i % 2 == 0)).Order();
        Assert.Equal(Enumerable.Range(0, 150).Select(i => (float)i), rows);
    }

    [Fact]
    public void HoldOut_SameSeed_SameSplitAndDifferentSeed_DifferentSplit()
    {
        var data = PartitionerTests.Balanced(3, 40);
        var a = DatasetCatalog.HoldOut(new Dataset("d", Enumerable.Range(0, 120).Select(i => (float)i).ToArray(), data.Labels, [1], 3), 0.25, 9);
        var b = DatasetCatalog.HoldOut(new Dataset("d", Enumerable.Range(0, 120).Select(i => (float)i).ToArray(), data.Labels, [1], 3), 0.25, 9);
        var c = DatasetCatalog.HoldOut(new Dataset("d", Enumerable.Range(0, 120).Select(i => (float)i).ToArray(), data.Labels, [1], 3), 0.25, 10);

        Assert.Equal(a.Test.Features, b.Test.Features);
        Assert.NotEqual(a.Test.Features, c.Test.Features);
        Assert.Equal(30, a.Test.Count);
    }

    [Fact]
    public void HoldOut_SingletonClass_StaysInTraining()
    {
        var data = new Dataset("d", new float[5], [0, 0, 0, 0, 1], [1], 2);
        var split = DatasetCatalog.HoldOut(data, 0.9, 1);
        Assert.Contains(1L, split.Train.Labels);
        Assert.Equal(3, split.Test.Count);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void HoldOut_BadFraction_Throws(double fraction) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetCatalog.HoldOut(PartitionerTests.Balanced(2, 5), fraction, 1));

    [Fact]
    public void Load_MissingCsv_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => DatasetCatalog.Load(_dir.File("absent.csv"), new DatasetLoadOptions()));
    }

    [Fact]
    public void Load_UnknownSpec_ListsValidNames()
    {
        var ex = Assert.Throws<DataSpecException>(() => DatasetCatalog.Load("cifar10", new DatasetLoadOptions()));
        Assert.Equal("cifar10", ex.Spec);
        Assert.Contains("fashion-mnist, synthetic, or a path to a .csv file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SyntheticWithNoTrainingEvents_IsASpecError()
    {
        Assert.Throws<DataSpecException>(() => DatasetCatalog.Load("synthetic", new DatasetLoadOptions(SyntheticTrainCount: 0)));
    }

    [Theory]
    [InlineData("iid", "iid")]
    [InlineData(" IID ", "iid")]
    [InlineData("dirichlet:0.5", "dirichlet:0.5")]
    [InlineData("Dirichlet:1e-1", "dirichlet:0.1")]
    [InlineData("dirichlet:0.5:3", "dirichlet:0.5:3")]
    [InlineData("dirichlet:0.5:10", "dirichlet:0.5")]
    [InlineData("shards:2", "shards:2")]
    public void Parse_ValidSpec_GivesCanonicalSpec(string spec, string canonical)
    {
        var scheme = PartitionerCatalog.Parse(spec);
        Assert.Equal(canonical, scheme.Spec);
        Assert.Equal(canonical, PartitionerCatalog.Parse(scheme.Spec).Spec);
    }

    [Fact]
    public void Parse_Schemes_ApplyTheSamePartitionAsTheDirectCall()
    {
        var data = PartitionerTests.Balanced(4, 50);
        Assert.Equal(Partitioner.Iid(data, 5, 3).IndicesOf(2).ToArray(), PartitionerCatalog.Parse("iid").Apply(data, 5, 3).IndicesOf(2).ToArray());
        Assert.Equal(Partitioner.Dirichlet(data, 5, 0.3, 3, 4).IndicesOf(1).ToArray(), PartitionerCatalog.Parse("dirichlet:0.3:4").Apply(data, 5, 3).IndicesOf(1).ToArray());
        Assert.Equal(Partitioner.Shards(data, 5, 2, 3).IndicesOf(4).ToArray(), PartitionerCatalog.Parse("shards:2").Apply(data, 5, 3).IndicesOf(4).ToArray());
    }

    [Theory]
    [InlineData("random", "not a partition scheme; use one of: iid, dirichlet:ALPHA[:MIN], shards:K")]
    [InlineData("iid:2", "not a partition scheme")]
    [InlineData("dirichlet", "not a partition scheme")]
    [InlineData("dirichlet:0", "α '0' must be a positive number")]
    [InlineData("dirichlet:abc", "α 'abc' must be a positive number")]
    [InlineData("dirichlet:0,5", "α '0,5' must be a positive number")]
    [InlineData("dirichlet:0.5:-1", "minimum samples per client '-1'")]
    [InlineData("shards:0", "classes per client '0'")]
    [InlineData("shards:two", "classes per client 'two'")]
    public void Parse_BadSpec_ExplainsWhatIsValid(string spec, string problem)
    {
        var ex = Assert.Throws<DataSpecException>(() => PartitionerCatalog.Parse(spec));
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"'{spec}': ", ex.Message, StringComparison.Ordinal);
    }
}
