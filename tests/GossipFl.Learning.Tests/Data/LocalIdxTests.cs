using GossipFl.Learning.Data;
using GossipFl.Topology.Files;

namespace GossipFl.Learning.Tests.Data;

public sealed class LocalIdxTests : IDisposable
{
    private static readonly TaskDeclaration Grey = new([1, 2, 3], ["a", "b", "c"], range: (0, 255), mean: [0.5], std: [0.25]);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Load_ImagesWithLabelsBeside_RoundTripThroughTheTask(bool gzip)
    {
        var images = WritePair("train", gzip, IdxBytes.Images(2, 2, 3, i => (byte)(i * 20)), IdxBytes.Labels(2, 0));

        var data = LocalData.Load(images, Grey);

        Assert.Equal([1, 2, 3], data.SampleShape);
        Assert.Equal(3, data.ClassCount);
        Assert.False(data.IsExpanded);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)((((i * 20) / 255.0) - 0.5) / 0.25)), data.Features);
        Assert.Equal([2L, 0], data.Labels);
        Assert.Equal("train-images-idx3-ubyte", data.Name);
    }

    [Fact]
    public void Load_LabelsCompressedDifferentlyFromImages_AreFound()
    {
        var images = _dir.File("t10k-images-idx3-ubyte");
        File.WriteAllBytes(images, IdxBytes.Images(1, 2, 3, _ => 1));
        File.WriteAllBytes(_dir.File("t10k-labels-idx1-ubyte.gz"), IdxBytes.Gzip(IdxBytes.Labels(1)));

        Assert.Equal([1L], LocalData.Load(images, Grey).Labels);
    }

    [Theory]
    [InlineData(new[] { 6 })]
    [InlineData(new[] { 2, 3 })]
    public void Load_FlatOrTwoDimensionalTask_IsAccepted(int[] shape)
    {
        var images = WritePair("train", true, IdxBytes.Images(1, 2, 3, i => (byte)i), IdxBytes.Labels(1));

        var data = LocalData.Load(images, new TaskDeclaration(shape, ["a", "b"]));

        Assert.Equal(shape, data.SampleShape);
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f], data.Features);
    }

    [Fact]
    public void Load_ImageSizeNotTheTasks_IsRefused()
    {
        var images = WritePair("train", true, IdxBytes.Images(1, 3, 3, _ => 0), IdxBytes.Labels(0));

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(images, Grey));
        Assert.Equal(images, ex.Path);
        Assert.Contains("images are 3x3 grey; the task's input [1, 2, 3] needs [1, 3, 3], [3, 3] or [9]", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CountsDiffer_IsRefused()
    {
        var images = WritePair("train", true, IdxBytes.Images(2, 2, 3, _ => 0), IdxBytes.Labels(0));

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(images, Grey));
        Assert.Contains("holds 1 labels but", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LabelNotAClassId_NamesTheRecord()
    {
        var images = WritePair("train", true, IdxBytes.Images(2, 2, 3, _ => 0), IdxBytes.Labels(1, 3));

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(images, Grey));
        Assert.EndsWith("train-labels-idx1-ubyte.gz", ex.Path, StringComparison.Ordinal);
        Assert.Contains("record 2: label 3 is not a class id of the task (0..2)", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PixelOutsideRange_NamesTheRecord()
    {
        var images = WritePair("train", true, IdxBytes.Images(2, 2, 3, i => (byte)(i == 7 ? 200 : 0)), IdxBytes.Labels(1, 2));
        var task = new TaskDeclaration([1, 2, 3], ["a", "b", "c"], range: (0, 100));

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(images, task));
        Assert.Contains("record 2: value 200 is outside the task's range [0, 100]", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoLabelsFile_SaysWhereItWasExpected()
    {
        var images = _dir.File("train-images-idx3-ubyte.gz");
        File.WriteAllBytes(images, IdxBytes.Gzip(IdxBytes.Images(1, 2, 3, _ => 0)));

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(images, Grey));
        Assert.Contains("no labels file beside this images file", ex.Problem, StringComparison.Ordinal);
    }

    private string WritePair(string prefix, bool gzip, byte[] images, byte[] labels)
    {
        var suffix = gzip ? ".gz" : string.Empty;
        var imagesPath = _dir.File($"{prefix}-images-idx3-ubyte{suffix}");
        File.WriteAllBytes(imagesPath, gzip ? IdxBytes.Gzip(images) : images);
        File.WriteAllBytes(_dir.File($"{prefix}-labels-idx1-ubyte{suffix}"), gzip ? IdxBytes.Gzip(labels) : labels);
        return imagesPath;
    }
}
