using System.Buffers.Binary;
using GossipFl.Learning.Data;

namespace GossipFl.Learning.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_ImagesWrittenByHand_RoundTripsDimensionsAndBytes(bool gzip)
    {
        var raw = IdxBytes.Images(3, 4, 5, i => (byte)((i * 7) + 1));
        var path = Write("images", gzip ? IdxBytes.Gzip(raw) : raw);

        var array = IdxReader.Read(path, expectedDimensionCount: 3);

        Assert.Equal([3, 4, 5], array.Dimensions);
        Assert.Equal(3, array.Count);
        Assert.Equal(raw.AsSpan(16).ToArray(), array.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_Labels_RoundTrip(bool gzip)
    {
        var raw = IdxBytes.Labels(9, 0, 3, 255);
        var array = IdxReader.Read(Write("labels", gzip ? IdxBytes.Gzip(raw) : raw), expectedDimensionCount: 1);

        Assert.Equal([4], array.Dimensions);
        Assert.Equal(new byte[] { 9, 0, 3, 255 }, array.Data);
    }

    [Fact]
    public void Read_BadMagic_NamesFileAndMagic()
    {
        var raw = IdxBytes.Labels(1, 2);
        raw[0] = 0x12;
        var ex = ReadFails(raw, 1);
        Assert.Contains("not an IDX file", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("0x12000801", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FloatElementType_ReportsUnsupportedType()
    {
        var raw = IdxBytes.Build(0x0D, [2], [1, 2]);
        var ex = ReadFails(raw, 1);
        Assert.Contains("element type 0x0D (float)", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WrongDimensionCount_ReportsExpectedMagic()
    {
        var raw = IdxBytes.Labels(1, 2);
        var ex = ReadFails(raw, 3);
        Assert.Contains("has 1 dimensions", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("0x00000803", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(9)]
    public void Read_TruncatedHeader_ReportsHeaderTruncated(int keep)
    {
        var raw = IdxBytes.Images(1, 2, 2, i => 0)[..keep];
        var ex = ReadFails(raw, 3);
        Assert.Contains("header truncated", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_TruncatedData_ReportsDeclaredAndPresentByteCounts(bool gzip)
    {
        var raw = IdxBytes.Images(2, 3, 3, i => 5)[..^4];
        var ex = ReadFails(gzip ? IdxBytes.Gzip(raw) : raw, 3);
        Assert.Contains("data truncated", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("declare 18 data bytes", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("only 14", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_TrailingBytes_ReportsThem(bool gzip)
    {
        var raw = IdxBytes.Labels(1, 2, 3).Concat(new byte[] { 7, 7 }).ToArray();
        var ex = ReadFails(gzip ? IdxBytes.Gzip(raw) : raw, 1);
        Assert.Contains("trailing bytes: 2 bytes follow the 3 data bytes", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NonPositiveDimension_ReportsIt()
    {
        var raw = IdxBytes.Build(0x08, [2, 0, 3], []);
        var ex = ReadFails(raw, 3);
        Assert.Contains("dimension 2 has size 0", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HugeDeclaredSize_RefusesBeforeAllocating()
    {
        // 60,000 x 60,000 x 60,000 bytes: if this were allocated the test would run out of memory, not fail cleanly.
        var raw = IdxBytes.Build(0x08, [60_000, 60_000, 60_000], [1, 2, 3]);
        var ex = ReadFails(raw, 3);
        Assert.Contains("refusing to allocate", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CorruptGzip_ReportsCorruptGzipAndNamesFile()
    {
        var gz = IdxBytes.Gzip(IdxBytes.Images(4, 8, 8, i => (byte)(i * 31)));

        // Keep the gzip magic so the reader decompresses, but break the deflate block header.
        gz[10] = 0xFF;
        gz[11] = 0xFF;
        gz[12] = 0xFF;
        var ex = ReadFails(gz, 3);
        Assert.Contains("corrupt gzip data", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GzipCutShort_IsADataFormatErrorNamingTheFile()
    {
        // Random pixels so the deflate stream stays long; cutting it must not pass as a shorter valid file.
        var random = new Xoshiro256StarStar(4);
        var gz = IdxBytes.Gzip(IdxBytes.Images(10, 28, 28, _ => (byte)random.NextInt(256)));
        var ex = ReadFails(gz[..(gz.Length / 2)], 3);
        Assert.Matches("data truncated|corrupt gzip data", ex.Problem);
    }

    [Fact]
    public void Read_GarbageAppendedToGzip_IsADataFormatError()
    {
        var gz = IdxBytes.Gzip(IdxBytes.Labels(1, 2, 3)).Concat(new byte[] { 0x13, 0x37, 0x00, 0x42 }).ToArray();
        var ex = ReadFails(gz, 1);
        Assert.Contains("trailing bytes after the gzip stream", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFoundNamingPath()
    {
        var path = _dir.File("absent.gz");
        var ex = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(path, 1));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderSizes_AreBigEndian()
    {
        var raw = IdxBytes.Build(0x08, [258], new byte[258]);
        Assert.Equal(0x00000102, BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(4)));
        Assert.Equal(258, IdxReader.Read(Write("be", raw), 1).Count);
    }

    private DataFormatException ReadFails(byte[] content, int dimensions)
    {
        var path = Write("bad-" + Guid.NewGuid().ToString("N"), content);
        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, dimensions));
        Assert.Equal(path, ex.Path);
        Assert.StartsWith(path + ": ", ex.Message, StringComparison.Ordinal);
        return ex;
    }

    private string Write(string name, byte[] content)
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
