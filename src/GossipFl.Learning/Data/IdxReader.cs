using System.Buffers.Binary;
using System.IO.Compression;

namespace GossipFl.Learning.Data;

/// <summary>
/// Reads IDX files of unsigned bytes, the format of MNIST and Fashion-MNIST (LeCun, Cortes and Burges, "THE MNIST
/// DATABASE of handwritten digits"): a big-endian header of two zero bytes, an element-type byte (0x08 for
/// unsigned byte), a dimension-count byte, one int32 size per dimension, then the elements row-major.
/// Gzip compression is recognised by its magic bytes (1f 8b), not by the file name, and decompressed while
/// reading, straight into the result array.
/// </summary>
public static class IdxReader
{
    /// <summary>Element-type byte for unsigned bytes, the only type this reader accepts.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>
    /// The largest element count accepted by default, checked before allocating: 256 Mi elements is over five
    /// times the Fashion-MNIST training images (47,040,000) and keeps a corrupt or hostile header from asking
    /// for gigabytes.
    /// </summary>
    public const long DefaultMaxElementCount = 1L << 28;

    private const int MaxDimensionCount = 8;
    private const int TrailingProbeLimit = 64 * 1024;

    /// <summary>Reads the file at <paramref name="path"/>, which must have exactly
    /// <paramref name="expectedDimensionCount"/> dimensions.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a well-formed IDX file of that shape.</exception>
    public static IdxArray Read(string path, int expectedDimensionCount, long maxElementCount = DefaultMaxElementCount)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(expectedDimensionCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxElementCount);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"IDX file {path} does not exist.", path);
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        var compressed = IsGzip(file);
        file.Position = 0;
        using Stream input = compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
        IdxArray result;
        try
        {
            result = ReadCore(input, path, compressed, expectedDimensionCount, maxElementCount);
        }
        catch (InvalidDataException ex)
        {
            // GZipStream reports a damaged deflate stream or header this way.
            throw new DataFormatException(path, $"corrupt gzip data: {ex.Message}");
        }

        if (compressed)
        {
            CheckGzipTrailer(file, path, 4 + (4L * result.Dimensions.Count) + result.Data.Length);
        }

        return result;
    }

    /// <summary>
    /// GZipStream silently ignores bytes after the gzip member, so check the member's last field instead: ISIZE, the
    /// uncompressed length mod 2^32, little-endian in the file's final four bytes (RFC 1952, section 2.3.1). It
    /// disagrees when something follows the stream, and also for a concatenation of several gzip members, which
    /// IDX distributions do not use.
    /// </summary>
    private static void CheckGzipTrailer(FileStream file, string path, long decompressedLength)
    {
        Span<byte> isize = stackalloc byte[4];
        file.Position = file.Length - 4;
        file.ReadExactly(isize);
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(isize);
        if (declared != (uint)decompressedLength)
        {
            throw new DataFormatException(
                path,
                $"trailing bytes after the gzip stream: the file's last 4 bytes read as size {declared}, but the stream decompressed to {decompressedLength} bytes (a concatenation of several gzip streams is not accepted either).");
        }
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        return file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    private static IdxArray ReadCore(Stream input, string path, bool compressed, int expectedDimensionCount, long maxElementCount)
    {
        var what = compressed ? "decompressed data" : "file";
        Span<byte> magic = stackalloc byte[4];
        var got = input.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4)
        {
            throw new DataFormatException(path, $"header truncated: the {what} has {got} bytes, fewer than the 4-byte magic number.");
        }

        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new DataFormatException(
                path,
                $"not an IDX file: magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(magic):X8} does not start with two zero bytes.");
        }

        if (magic[2] != UnsignedByteType)
        {
            throw new DataFormatException(
                path,
                $"element type 0x{magic[2]:X2} ({TypeName(magic[2])}) is not supported; expected 0x08 (unsigned byte).");
        }

        var dimensionCount = magic[3];
        if (dimensionCount != expectedDimensionCount)
        {
            throw new DataFormatException(
                path,
                $"has {dimensionCount} dimensions (magic 0x{BinaryPrimitives.ReadUInt32BigEndian(magic):X8}); expected {expectedDimensionCount} (magic 0x{0x800 | expectedDimensionCount:X8}).");
        }

        if (dimensionCount > MaxDimensionCount)
        {
            throw new DataFormatException(path, $"declares {dimensionCount} dimensions; at most {MaxDimensionCount} are supported.");
        }

        Span<byte> sizeBytes = stackalloc byte[4 * dimensionCount];
        got = input.ReadAtLeast(sizeBytes, sizeBytes.Length, throwOnEndOfStream: false);
        if (got < sizeBytes.Length)
        {
            throw new DataFormatException(
                path,
                $"header truncated: {dimensionCount} dimension sizes need {4 + sizeBytes.Length} header bytes, but the {what} ends after {4 + got}.");
        }

        var dimensions = new int[dimensionCount];
        long elementCount = 1;
        for (var i = 0; i < dimensionCount; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(sizeBytes.Slice(4 * i, 4));
            if (dimensions[i] <= 0)
            {
                throw new DataFormatException(path, $"dimension {i + 1} has size {dimensions[i]}; sizes must be positive.");
            }

            // Each size is below 2^31 and the running product is checked against a bound below 2^31 before the
            // next multiplication, so this cannot overflow.
            elementCount *= dimensions[i];
            if (elementCount > maxElementCount)
            {
                throw new DataFormatException(
                    path,
                    $"dimensions [{string.Join(", ", dimensions.Take(i + 1))}{(i + 1 < dimensionCount ? ", ..." : string.Empty)}] declare more than {maxElementCount} elements, the limit for one file; refusing to allocate.");
            }
        }

        if (elementCount > Array.MaxLength)
        {
            throw new DataFormatException(path, $"declares {elementCount} elements, more than one array can hold.");
        }

        var data = new byte[elementCount];
        var read = input.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
        {
            throw new DataFormatException(
                path,
                $"data truncated: dimensions [{string.Join(", ", dimensions)}] declare {data.Length} data bytes, but the {what} holds only {read}.");
        }

        var trailing = CountTrailing(input);
        if (trailing > 0)
        {
            throw new DataFormatException(
                path,
                $"trailing bytes: {(trailing >= TrailingProbeLimit ? "at least " : string.Empty)}{trailing} bytes follow the {data.Length} data bytes the header declares.");
        }

        return new IdxArray(dimensions, data);
    }

    private static int CountTrailing(Stream input)
    {
        Span<byte> probe = stackalloc byte[4096];
        var total = 0;
        int n;
        while (total < TrailingProbeLimit && (n = input.Read(probe)) > 0)
        {
            total += n;
        }

        return total;
    }

    private static string TypeName(byte type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "short",
        0x0C => "int",
        0x0D => "float",
        0x0E => "double",
        _ => "unknown",
    };
}
