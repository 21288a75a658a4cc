using GossipFl.Learning.Data;

namespace GossipFl.Learning.Tests.Data;

public sealed class FashionMnistTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_RealDebianFiles_HasExpectedCountsBalanceAndStandardisation()
    {
        var directory = FashionMnist.ResolveDirectory();
        if (!Directory.Exists(directory))
        {
            // Never a skip: a machine without the data is not set up, and the test says how to fix that.
            var ci = Environment.GetEnvironmentVariable("CI") == "true" ? " (CI=true)" : string.Empty;
            Assert.Fail($"Fashion-MNIST is not installed at {directory}{ci}: run scripts/setup.sh, which installs the Debian package dataset-fashion-mnist.");
        }

        var split = FashionMnist.Load();

        Assert.Equal(FashionMnist.TrainCount, split.Train.Count);
        Assert.Equal(FashionMnist.TestCount, split.Test.Count);
        Assert.Equal([1, 28, 28], split.Train.SampleShape);
        Assert.Equal(10, split.Train.ClassCount);
        Assert.All(Histogram(split.Train), n => Assert.Equal(6_000, n));
        Assert.All(Histogram(split.Test), n => Assert.Equal(1_000, n));

        var (mean, std) = MeanStd(split.Train.Features);
        Assert.InRange(mean, -1e-3, 1e-3);
        Assert.InRange(std, 1 - 1e-3, 1 + 1e-3);

        // The fixed constants are the training set's own statistics: undo the standardisation and compare.
        var rawMean = (mean * FashionMnist.PixelStd) + FashionMnist.PixelMean;
        var rawStd = std * FashionMnist.PixelStd;
        Assert.InRange(rawMean, 0.28604 - 5e-5, 0.28604 + 5e-5);
        Assert.InRange(rawStd, 0.35302 - 5e-5, 0.35302 + 5e-5);

        var (testMean, testStd) = MeanStd(split.Test.Features);
        Assert.InRange(testMean, -0.05, 0.05);
        Assert.InRange(testStd, 0.95, 1.05);
    }

    [Fact]
    public void Load_SmallFilesWrittenByHand_StandardisesWithFixedConstants()
    {
        WriteSet("train", count: 3, labels: [0, 9, 4], gzip: true);
        WriteSet("t10k", count: 2, labels: [1, 2], gzip: false);

        var split = FashionMnist.Load(_dir.Path);

        Assert.Equal(3, split.Train.Count);
        Assert.Equal(2, split.Test.Count);
        Assert.Equal([0L, 9, 4], split.Train.Labels);
        Assert.Equal((float)((0 / 255.0 - 0.2860f) / 0.3530f), split.Train.Features[0]);
        Assert.Equal((float)((255 / 255.0 - 0.2860f) / 0.3530f), split.Train.Features[255]);
    }

    [Fact]
    public void Load_LabelOutOfRange_NamesLabelFile()
    {
        WriteSet("train", count: 2, labels: [3, 10], gzip: true);
        WriteSet("t10k", count: 1, labels: [1], gzip: true);

        var ex = Assert.Throws<DataFormatException>(() => FashionMnist.Load(_dir.Path));
        Assert.EndsWith("train-labels-idx1-ubyte.gz", ex.Path, StringComparison.Ordinal);
        Assert.Contains("label 1", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("is 10", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ImageAndLabelCountsDiffer_ReportsBothCounts()
    {
        File.WriteAllBytes(_dir.File("train-images-idx3-ubyte.gz"), IdxBytes.Gzip(IdxBytes.Images(3, 28, 28, i => 0)));
        File.WriteAllBytes(_dir.File("train-labels-idx1-ubyte.gz"), IdxBytes.Gzip(IdxBytes.Labels(1, 2)));
        WriteSet("t10k", count: 1, labels: [1], gzip: true);

        var ex = Assert.Throws<DataFormatException>(() => FashionMnist.Load(_dir.Path));
        Assert.Contains("holds 2 labels", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("3 images", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongImageSize_ReportsIt()
    {
        File.WriteAllBytes(_dir.File("train-images-idx3-ubyte"), IdxBytes.Images(1, 32, 32, i => 0));
        File.WriteAllBytes(_dir.File("train-labels-idx1-ubyte"), IdxBytes.Labels(1));
        WriteSet("t10k", count: 1, labels: [1], gzip: true);

        var ex = Assert.Throws<DataFormatException>(() => FashionMnist.Load(_dir.Path));
        Assert.Contains("32x32", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingDirectory_NamesPathAndSetupScript()
    {
        var missing = _dir.File("nowhere");
        var ex = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.Load(missing));
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/setup.sh", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_NamesFileAndSetupScript()
    {
        WriteSet("train", count: 1, labels: [0], gzip: true);

        var ex = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(_dir.Path));
        Assert.Contains("t10k-images-idx3-ubyte.gz", ex.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/setup.sh", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassNames_HasOneNamePerClass()
    {
        Assert.Equal(FashionMnist.ClassCount, FashionMnist.ClassNames.Count);
        Assert.Equal("Ankle boot", FashionMnist.ClassNames[9]);
    }

    private void WriteSet(string prefix, int count, byte[] labels, bool gzip)
    {
        var images = IdxBytes.Images(count, 28, 28, i => (byte)(i % 256));
        var labelFile = IdxBytes.Labels(labels);
        var suffix = gzip ? ".gz" : string.Empty;
        File.WriteAllBytes(_dir.File($"{prefix}-images-idx3-ubyte{suffix}"), gzip ? IdxBytes.Gzip(images) : images);
        File.WriteAllBytes(_dir.File($"{prefix}-labels-idx1-ubyte{suffix}"), gzip ? IdxBytes.Gzip(labelFile) : labelFile);
    }

    private static int[] Histogram(Dataset data)
    {
        var counts = new int[data.ClassCount];
        foreach (var label in data.Labels)
        {
            counts[label]++;
        }

        return counts;
    }

    private static (double Mean, double Std) MeanStd(float[] values)
    {
        double sum = 0, sumSquares = 0;
        foreach (var v in values)
        {
            sum += v;
            sumSquares += (double)v * v;
        }

        var mean = sum / values.Length;
        return (mean, Math.Sqrt((sumSquares / values.Length) - (mean * mean)));
    }
}
