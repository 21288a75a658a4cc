using System.Globalization;
using System.IO.Compression;
using GossipFl.Topology.Files;

namespace GossipFl.Learning.Data;

/// <summary>
/// Reads what <c>np.savez(path, x=features, y=labels)</c> (or <c>np.savez_compressed</c>) writes: a ZIP archive
/// whose members <c>x.npy</c> and <c>y.npy</c> are NPY arrays (<see cref="NpyHeader"/>). x has shape
/// (N, *input shape) or (N, values per input) and a float or integer dtype, either byte order (big-endian data is
/// converted); y has shape (N,) or (N, 1) and holds class ids (any integer dtype) or class names (a string dtype).
/// </summary>
/// <remarks>
/// Sizes are checked before anything is allocated: the shape a header declares must account for exactly the bytes
/// the member holds, and the member's declared size must be one deflate could produce from its compressed bytes.
/// A hostile header therefore cannot make the reader allocate more than the archive could really contain.
/// uint8 features stay bytes (<see cref="Dataset.FromCodes"/>), a quarter of the memory of floats.
/// </remarks>
internal static class NpzLocalReader
{
    /// <summary>
    /// Deflate cannot expand data by more than about 1032:1 (a 258-byte match costs at least two bits, RFC 1951);
    /// a member claiming a larger uncompressed size is damaged or hostile.
    /// </summary>
    private const long MaxDeflateRatio = 1032;

    private const int ChunkBytes = 1 << 16;

    public static Dataset Read(string path, TaskDeclaration task)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException ex)
        {
            throw new DataFormatException(path, $"not a ZIP archive, which an .npz file is ({ex.Message}).");
        }

        using (archive)
        {
            var xEntry = Find(archive, path, "x");
            var yEntry = Find(archive, path, "y");
            var x = ReadHeader(xEntry, path);
            var y = ReadHeader(yEntry, path);
            var (xType, yType) = (DataType(x, path, xEntry), DataType(y, path, yEntry));
            var count = CheckFeatureShape(x.Header, xEntry.FullName, path, task);
            CheckLabelShape(y.Header, yEntry.FullName, path, count);
            CheckSize(x, xType, xEntry, path);
            CheckSize(y, yType, yEntry, path);
            if (!xType.IsNumber)
            {
                throw new DataFormatException(path, $"{xEntry.FullName}: features have dtype '{x.Header.Descr}'; they must be numbers (float or integer).");
            }

            if (!(yType.IsInteger || yType.IsString))
            {
                throw new DataFormatException(
                    path,
                    $"{yEntry.FullName}: labels have dtype '{y.Header.Descr}'; they must be integer class ids or class-name strings (save y.astype(np.int64)).");
            }

            var labels = ReadLabels(yEntry, yType, path, task, (int)count);
            var name = Path.GetFileNameWithoutExtension(path);
            return xType is { Kind: 'u', Size: 1 }
                ? ReadByteFeatures(xEntry, path, task, name, labels)
                : ReadFeatures(xEntry, xType, path, task, name, labels);
        }
    }

    private static ZipArchiveEntry Find(ZipArchive archive, string path, string array)
    {
        var matches = archive.Entries
            .Where(e => e.FullName is var n && (n == array + ".npy" || n == array.ToUpperInvariant() + ".npy"))
            .ToArray();
        if (matches.Length == 1)
        {
            return matches[0];
        }

        var members = string.Join(", ", archive.Entries.Take(10).Select(e => e.FullName)) + (archive.Entries.Count > 10 ? ", ..." : string.Empty);
        throw new DataFormatException(
            path,
            matches.Length == 0
                ? $"no member {array}.npy (or {array.ToUpperInvariant()}.npy); an .npz for training holds x.npy and y.npy, as np.savez(path, x=..., y=...) writes; found: {(members.Length == 0 ? "no members" : members)}."
                : $"both {array}.npy and {array.ToUpperInvariant()}.npy are present; keep one.");
    }

    private static (NpyHeader Header, long Length) ReadHeader(ZipArchiveEntry entry, string path)
    {
        var length = entry.Length;
        if (entry.CompressedLength < length && length > (entry.CompressedLength * MaxDeflateRatio) + 1024)
        {
            throw new DataFormatException(
                path,
                $"{entry.FullName}: declares {length} bytes from {entry.CompressedLength} compressed, more than deflate can produce; the archive is damaged.");
        }

        using var stream = Open(entry, path);
        return Guard(path, entry, () => (NpyHeader.Read(stream, path, entry.FullName), length));
    }

    private static NpyDataType DataType((NpyHeader Header, long Length) array, string path, ZipArchiveEntry entry)
    {
        if (array.Header.FortranOrder)
        {
            throw new DataFormatException(
                path,
                $"{entry.FullName}: the array is stored in Fortran (column-major) order; save np.ascontiguousarray(a) instead.");
        }

        return NpyDataType.Parse(array.Header.Descr, out var problem)
            ?? throw new DataFormatException(path, $"{entry.FullName}: {problem}.");
    }

    /// <summary>The sample count, once x's shape is (N, *input shape), the same less or with more size-1 dimensions, or (N, values per input).</summary>
    private static long CheckFeatureShape(NpyHeader header, string member, string path, TaskDeclaration task)
    {
        var shape = header.Shape;
        var perSample = shape.Skip(1).ToArray();
        // Size-1 dimensions do not change the layout, so (N, 28, 28) fits a [1, 28, 28] task: the shape MNIST-style
        // arrays are usually saved in.
        var fits = shape.Count >= 2
            && (perSample.Where(d => d != 1).SequenceEqual(task.InputShape.Where(d => d != 1).Select(d => (long)d))
                || (perSample.Length == 1 && perSample[0] == task.FeatureCount));
        if (!fits)
        {
            var expected = task.InputShape.Count == 1
                ? $"(N, {task.FeatureCount})"
                : $"(N, {string.Join(", ", task.InputShape)}) or (N, {task.FeatureCount})";
            throw new DataFormatException(
                path,
                $"{member}: shape {Describe(shape)} does not fit the task's input [{string.Join(", ", task.InputShape)}]; expected {expected}.");
        }

        return shape[0] switch
        {
            0 => throw new DataFormatException(path, $"{member}: shape {Describe(shape)} holds no samples."),
            > int.MaxValue => throw new DataFormatException(path, $"{member}: {shape[0]} samples are more than one data set can hold."),
            var n => n,
        };
    }

    private static void CheckLabelShape(NpyHeader header, string member, string path, long count)
    {
        var shape = header.Shape;
        if (!(shape.Count == 1 || (shape.Count == 2 && shape[1] == 1)))
        {
            throw new DataFormatException(path, $"{member}: labels have shape {Describe(shape)}; expected (N,) or (N, 1), one class per sample.");
        }

        if (shape[0] != count)
        {
            throw new DataFormatException(path, $"{member}: {shape[0]} labels for {count} samples; the counts must match.");
        }
    }

    /// <summary>The data the shape declares must be exactly the bytes after the header, checked without overflow.</summary>
    private static void CheckSize((NpyHeader Header, long Length) array, NpyDataType type, ZipArchiveEntry entry, string path)
    {
        var available = array.Length - array.Header.DataOffset;
        var shape = array.Header.Shape;
        long declared = shape.Contains(0) ? 0 : type.Size;
        var tooLarge = false;
        foreach (var dimension in shape)
        {
            // Stop multiplying once the product passes the bytes available: it can only be wrong, and going on
            // could overflow. Dimensions are positive here (negative ones fail parsing, a zero made declared 0).
            if (declared > 0 && dimension > Math.Max(available, 0) / declared)
            {
                tooLarge = true;
                break;
            }

            declared *= dimension;
        }

        if (tooLarge)
        {
            declared = long.MaxValue;
        }

        if (declared != available)
        {
            var what = tooLarge ? $"more than the {available}" : $"{declared} bytes, not the {available}";
            throw new DataFormatException(
                path,
                $"{entry.FullName}: shape {Describe(array.Header.Shape)} of '{array.Header.Descr}' declares {what} data bytes the member holds (truncated or damaged).");
        }

        if (declared > Array.MaxLength)
        {
            throw new DataFormatException(path, $"{entry.FullName}: {declared} bytes are more than one array can hold; split the data.");
        }
    }

    private static long[] ReadLabels(ZipArchiveEntry entry, NpyDataType type, string path, TaskDeclaration task, int count)
    {
        var labels = new long[count];
        var record = 0;
        ReadData(entry, path, type.Size, count, item =>
        {
            long id;
            if (type.IsString)
            {
                var text = type.ReadString(item);
                id = task.ClassOf(text);
                if (id < 0)
                {
                    throw new DataFormatException(
                        path,
                        $"{entry.FullName}, record {record + 1}: label {CsvCells.Quote(text)} is not a class of the task ({LocalData.DescribeClasses(task)}).");
                }
            }
            else
            {
                id = type.ReadInteger(item);
                if (id < 0 || id >= task.ClassCount)
                {
                    throw new DataFormatException(
                        path,
                        $"{entry.FullName}, record {record + 1}: label {id.ToString(CultureInfo.InvariantCulture)} is not a class id of the task (0..{task.ClassCount - 1}).");
                }
            }

            labels[record++] = id;
        });
        return labels;
    }

    private static Dataset ReadByteFeatures(ZipArchiveEntry entry, string path, TaskDeclaration task, string name, long[] labels)
    {
        var codes = new byte[(long)labels.Length * task.FeatureCount];
        using (var stream = Open(entry, path))
        {
            Guard(path, entry, () =>
            {
                NpyHeader.Read(stream, path, entry.FullName);
                stream.ReadExactly(codes);
                if (stream.ReadByte() >= 0)
                {
                    throw new DataFormatException(path, $"{entry.FullName}: more data than the header declares.");
                }

                return 0;
            });
        }

        var transform = new TaskTransform(task);
        return transform.FromBytes(
            name,
            codes,
            labels,
            (record, value) => new DataFormatException(path, $"{entry.FullName}, record {record}: {transform.Refusal(value)}."));
    }

    private static Dataset ReadFeatures(ZipArchiveEntry entry, NpyDataType type, string path, TaskDeclaration task, string name, long[] labels)
    {
        var transform = new TaskTransform(task);
        var featureCount = task.FeatureCount;
        var features = new float[(long)labels.Length * featureCount];
        long j = 0;
        ReadData(entry, path, type.Size, features.LongLength, item =>
        {
            var raw = type.ReadNumber(item);
            var feature = (int)(j % featureCount);
            if (!transform.TryMap(raw, transform.ChannelOf(feature), out features[j]))
            {
                throw new DataFormatException(path, $"{entry.FullName}, record {(j / featureCount) + 1}, value {feature + 1}: {transform.Refusal(raw)}.");
            }

            j++;
        });
        return new Dataset(name, features, labels, task.InputShape, task.ClassCount);
    }

    /// <summary>Streams the member's data in chunks of whole items and hands each item to <paramref name="item"/>.</summary>
    private static void ReadData(ZipArchiveEntry entry, string path, int itemSize, long itemCount, ItemAction item)
    {
        using var stream = Open(entry, path);
        Guard(path, entry, () =>
        {
            NpyHeader.Read(stream, path, entry.FullName);
            var buffer = new byte[Math.Max(itemSize, ChunkBytes / itemSize * itemSize)];
            long items = 0;
            int got;
            while ((got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
            {
                items += got / itemSize;
                if (got % itemSize != 0 || items > itemCount)
                {
                    throw new DataFormatException(path, $"{entry.FullName}: the data does not match the {itemCount} items its header declares.");
                }

                for (var at = 0; at < got; at += itemSize)
                {
                    item(buffer.AsSpan(at, itemSize));
                }
            }

            if (items != itemCount)
            {
                throw new DataFormatException(path, $"{entry.FullName}: data truncated: {items} of the {itemCount} items its header declares.");
            }

            return 0;
        });
    }

    private delegate void ItemAction(ReadOnlySpan<byte> item);

    private static Stream Open(ZipArchiveEntry entry, string path)
    {
        try
        {
            return entry.Open();
        }
        catch (InvalidDataException ex)
        {
            throw new DataFormatException(path, $"{entry.FullName}: cannot open the member ({ex.Message}).");
        }
    }

    /// <summary>Damaged deflate data or a size that disagrees with the ZIP directory surfaces as these; name the member.</summary>
    private static T Guard<T>(string path, ZipArchiveEntry entry, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            throw new DataFormatException(path, $"{entry.FullName}: damaged or truncated member ({ex.Message}).");
        }
    }

    private static string Describe(IReadOnlyList<long> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
}
