using GossipFl.Learning.Data;
using GossipFl.Topology.Files;
using StbImageWriteSharp;

namespace GossipFl.Learning.Tests.Data;

/// <summary>Which reader a path selects; the readers themselves are tested one file per format.</summary>
public sealed class LocalDataTests : IDisposable
{
    private static readonly TaskDeclaration Task = new([1, 2, 2], ["a", "b"]);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_DirectoryWithOneCsv_ReadsIt()
    {
        File.WriteAllText(_dir.File("mine.CSV"), "1,2,3,4,b\n");
        File.WriteAllText(_dir.File("README.md"), "about the data");

        var data = LocalData.Load(_dir.Path, Task);

        Assert.Equal("mine", data.Name);
        Assert.Equal([1L], data.Labels);
    }

    [Fact]
    public void Load_DirectoryWithOneNpz_ReadsIt()
    {
        File.WriteAllBytes(_dir.File("mine.npz"), NpyBytes.Zip(false, ("x.npy", NpyBytes.Floats([1, 2, 3, 4], 1, 4)), ("y.npy", NpyBytes.Int64s(0))));

        Assert.Equal([1f, 2f, 3f, 4f], LocalData.Load(_dir.Path, Task).Features);
    }

    [Fact]
    public void Load_DirectoryWithIdxPair_ReadsIt()
    {
        File.WriteAllBytes(_dir.File("train-images-idx3-ubyte.gz"), IdxBytes.Gzip(IdxBytes.Images(1, 2, 2, i => (byte)i)));
        File.WriteAllBytes(_dir.File("train-labels-idx1-ubyte.gz"), IdxBytes.Gzip(IdxBytes.Labels(1)));

        var data = LocalData.Load(_dir.Path, Task);

        Assert.Equal([0f, 1f, 2f, 3f], data.Features);
        Assert.Equal([1L], data.Labels);
    }

    [Fact]
    public void Load_DirectoryOfClassFolders_ReadsImages()
    {
        Directory.CreateDirectory(_dir.File("b"));
        using (var stream = File.Create(Path.Combine(_dir.Path, "b", "x.png")))
        {
            new ImageWriter().WritePng(new byte[4], 2, 2, ColorComponents.Grey, stream);
        }

        Assert.Equal([1L], LocalData.Load(_dir.Path, Task).Labels);
    }

    [Fact]
    public void Load_DirectoryWithSeveralDataFiles_ListsThem()
    {
        File.WriteAllText(_dir.File("one.csv"), "1,2,3,4,b\n");
        File.WriteAllText(_dir.File("two.npz"), "x");

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(_dir.Path, Task));

        Assert.Equal(_dir.Path, ex.Path);
        Assert.Contains("holds several data files (one.csv, two.npz)", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DirectoryWithTwoIdxPairs_AsksForOne()
    {
        foreach (var prefix in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(_dir.File($"{prefix}-images-idx3-ubyte"), IdxBytes.Images(1, 2, 2, _ => 0));
            File.WriteAllBytes(_dir.File($"{prefix}-labels-idx1-ubyte"), IdxBytes.Labels(0));
        }

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(_dir.Path, Task));
        Assert.Contains("t10k-images-idx3-ubyte, train-images-idx3-ubyte", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DirectoryWithNothingKnown_SaysWhatWasFoundAndExpected()
    {
        File.WriteAllText(_dir.File("data.txt"), "1 2 3");
        Directory.CreateDirectory(_dir.File("empty"));

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(_dir.Path, Task));

        Assert.Contains("found 1 file(s) (data.txt) and 1 folder(s) (empty) with no images", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("expected a .csv file, an .npz file", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyDirectory_SaysItIsEmpty()
    {
        Assert.Contains("it is empty", Assert.Throws<DataFormatException>(() => LocalData.Load(_dir.Path, Task)).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FileOfUnknownKind_SaysWhatIsExpected()
    {
        var path = _dir.File("data.parquet");
        File.WriteAllText(path, "x");

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(path, Task));
        Assert.Contains("the file's name says no format", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_IdxLabelsFile_AsksForTheImagesFile()
    {
        var path = _dir.File("train-labels-idx1-ubyte");
        File.WriteAllBytes(path, IdxBytes.Labels(0));

        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(path, Task));
        Assert.Contains("this is an IDX labels file; give the images file", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFoundNamingIt()
    {
        var path = _dir.File("none.csv");

        var ex = Assert.Throws<FileNotFoundException>(() => LocalData.Load(path, Task));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.FileName);
    }

    [Fact]
    public void Load_MissingDirectory_ThrowsDirectoryNotFoundNamingIt()
    {
        var path = _dir.File("none") + Path.DirectorySeparatorChar;

        Assert.Contains(path, Assert.Throws<DirectoryNotFoundException>(() => LocalData.Load(path, Task)).Message, StringComparison.Ordinal);
    }
}
