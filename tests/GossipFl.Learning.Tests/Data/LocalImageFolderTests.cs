using GossipFl.Learning.Data;
using GossipFl.Topology.Files;
using StbImageWriteSharp;

namespace GossipFl.Learning.Tests.Data;

public sealed class LocalImageFolderTests : IDisposable
{
    private static readonly TaskDeclaration Grey = new([1, 2, 2], ["cat", "dog", "fox"]);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_GreyPngs_RoundTripInClassThenFileOrder()
    {
        WritePng("dog/b.png", 2, 2, 1, [5, 6, 7, 8]);
        WritePng("dog/a.PNG", 2, 2, 1, [1, 2, 3, 4]);
        WritePng("cat/z.png", 2, 2, 1, [9, 10, 11, 12]);

        var data = LocalData.Load(_dir.Path, Grey);

        Assert.Equal([1, 2, 2], data.SampleShape);
        Assert.Equal(3, data.ClassCount);
        Assert.False(data.IsExpanded);
        Assert.Equal([0L, 1, 1], data.Labels);
        Assert.Equal([9f, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8], data.Features);
    }

    [Fact]
    public void Load_RgbPng_IsStoredChannelByChannel()
    {
        var task = new TaskDeclaration([3, 1, 2], ["cat", "dog"], range: (0, 255));
        // Two pixels, interleaved RGB as the PNG stores them.
        WritePng("cat/x.png", 2, 1, 3, [10, 20, 30, 40, 50, 60]);

        var data = LocalData.Load(_dir.Path, task);

        Assert.Equal([(float)(10 / 255.0), (float)(40 / 255.0), (float)(20 / 255.0), (float)(50 / 255.0), (float)(30 / 255.0), (float)(60 / 255.0)], data.Features);
    }

    [Fact]
    public void Load_PerChannelNormalisation_UsesEachChannelsConstants()
    {
        var task = new TaskDeclaration([3, 1, 1], ["cat", "dog"], mean: [0.0, 10.0, 20.0], std: [1.0, 2.0, 4.0]);
        WritePng("dog/x.png", 1, 1, 3, [4, 14, 28]);

        Assert.Equal([4f, 2f, 2f], LocalData.Load(_dir.Path, task).Features);
    }

    [Fact]
    public void Load_ColourPngForGreyTask_IsDecodedGrey()
    {
        WritePng("cat/x.png", 2, 2, 3, [.. Enumerable.Repeat((byte)100, 12)]);

        Assert.All(LocalData.Load(_dir.Path, Grey).Features, v => Assert.Equal(100f, v));
    }

    [Fact]
    public void Load_Jpeg_Decodes()
    {
        var path = Path.Combine(_dir.Path, "fox", "x.jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var stream = File.Create(path))
        {
            new ImageWriter().WriteJpg(Enumerable.Repeat((byte)128, 4).ToArray(), 2, 2, ColorComponents.Grey, stream, 100);
        }

        var data = LocalData.Load(_dir.Path, Grey);

        Assert.Equal([2L], data.Labels);
        Assert.All(data.Features, v => Assert.InRange(v, 120f, 136f));
    }

    [Fact]
    public void Load_FolderNamedByClassId_AndStrayFiles_AreHandled()
    {
        WritePng("2/x.png", 2, 2, 1, [1, 2, 3, 4]);
        WritePng("2/.hidden.png", 2, 2, 1, [0, 0, 0, 0]);
        WritePng(".git/x.png", 2, 2, 1, [0, 0, 0, 0]);
        File.WriteAllText(Path.Combine(_dir.Path, "2", "notes.txt"), "not an image");
        File.WriteAllText(_dir.File("README.md"), "stray files beside the class folders are ignored");

        var data = LocalData.Load(_dir.Path, Grey);

        Assert.Equal([2L], data.Labels);
        Assert.Equal(3, data.ClassCount);
    }

    [Fact]
    public void Load_NestedFolders_AreReadInPathOrder()
    {
        WritePng("cat/b/x.png", 2, 2, 1, [2, 2, 2, 2]);
        WritePng("cat/a/x.png", 2, 2, 1, [1, 1, 1, 1]);

        Assert.Equal([1f, 1, 1, 1, 2, 2, 2, 2], LocalData.Load(_dir.Path, Grey).Features);
    }

    [Fact]
    public void Load_UnknownFolder_ListsTheClasses()
    {
        WritePng("cat/x.png", 2, 2, 1, [1, 2, 3, 4]);
        WritePng("wolf/x.png", 2, 2, 1, [1, 2, 3, 4]);

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(_dir.Path, Grey));
        Assert.EndsWith("wolf", ex.Path, StringComparison.Ordinal);
        Assert.Contains("folder 'wolf' is not a class of the task (classes 'cat', 'dog', 'fox', or ids 0..2)", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PngThatDoesNotDecode_NamesTheFile()
    {
        WritePng("cat/good.png", 2, 2, 1, [1, 2, 3, 4]);
        var bad = Path.Combine(_dir.Path, "cat", "bad.png");
        var bytes = File.ReadAllBytes(Path.Combine(_dir.Path, "cat", "good.png"));
        File.WriteAllBytes(bad, bytes[..^20]);

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(_dir.Path, Grey));
        Assert.Equal(bad, ex.Path);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Load_NotAnImageAtAll_NamesTheFile()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "cat"));
        var bad = Path.Combine(_dir.Path, "cat", "bad.png");
        File.WriteAllText(bad, "text with a .png name");

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(_dir.Path, Grey));
        Assert.Equal(bad, ex.Path);
        Assert.Contains("not an image", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongSizeWithoutResize_NamesFileAndBothSizes()
    {
        WritePng("cat/big.png", 3, 2, 1, new byte[6]);

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(_dir.Path, Grey));
        Assert.EndsWith("big.png", ex.Path, StringComparison.Ordinal);
        Assert.Contains("image is 3x2 (width x height) but the task's input is 2x2", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongSizeWithResize_IsResizedBilinearWithAlignedCentres()
    {
        var task = new TaskDeclaration([1, 2, 2], ["cat", "dog"], resize: true);
        // 4x4 halved: each output pixel's centre falls between four source pixels, so it is their mean.
        WritePng("cat/big.png", 4, 4, 1, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150]);
        WritePng("dog/same.png", 2, 2, 1, [1, 2, 3, 4]);

        var data = LocalData.Load(_dir.Path, task);

        Assert.Equal([25f, 45f, 105f, 125f, 1f, 2f, 3f, 4f], data.Features);
    }

    [Fact]
    public void Load_ResizeAllowedButNotNeeded_KeepsBytes()
    {
        var task = new TaskDeclaration([1, 2, 2], ["cat", "dog"], resize: true);
        WritePng("dog/same.png", 2, 2, 1, [1, 2, 3, 4]);

        var data = LocalData.Load(_dir.Path, task);

        Assert.False(data.IsExpanded);
        Assert.Equal([1f, 2f, 3f, 4f], data.Features);
    }

    [Fact]
    public void Load_Upscale_ClampsAtTheBorder()
    {
        var task = new TaskDeclaration([1, 1, 4], ["cat", "dog"], resize: true);
        WritePng("cat/x.png", 2, 1, 1, [0, 100]);

        // Source x = (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1].
        Assert.Equal([0f, 25f, 75f, 100f], LocalData.Load(_dir.Path, task).Features);
    }

    [Fact]
    public void Load_NoImagesInClassFolders_IsRefused()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "cat"));
        File.WriteAllText(Path.Combine(_dir.Path, "cat", "x.txt"), "no images");

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(_dir.Path, Grey));
        Assert.Contains("no training data recognised", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TableShapedTask_IsRefused()
    {
        WritePng("cat/x.png", 2, 2, 1, [1, 2, 3, 4]);

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(_dir.Path, new TaskDeclaration([4], ["cat", "dog"])));
        Assert.Contains("needs a task input of [1, H, W] (grey) or [3, H, W] (RGB)", ex.Problem, StringComparison.Ordinal);
    }

    private void WritePng(string relative, int width, int height, int channels, byte[] pixels)
    {
        var path = Path.Combine(_dir.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        new ImageWriter().WritePng(pixels, width, height, channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue, stream);
    }
}
