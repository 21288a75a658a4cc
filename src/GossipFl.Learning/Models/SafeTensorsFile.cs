using System.Buffers.Binary;
using System.Text.Json;

namespace GossipFl.Learning.Models;

/// <summary>
/// Reads and writes the Hugging Face safetensors format (see <see cref="SafeTensorsHeader"/> for the layout), so that
/// models move between GossipFl and PyTorch without pickle. Reading is strict, because files and HTTP bodies may be
/// hostile: every declared length is checked against the bytes actually present before anything is allocated for
/// it, and every problem is a <see cref="SafeTensorsFormatException"/> naming the file and the fault.
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>The writer aligns the data section to 8 bytes, the largest element size, as the reference writer does.</summary>
    private const int Alignment = 8;

    /// <summary>
    /// Writes <paramref name="tensors"/> in the given order, contiguously, after a header padded with spaces to a
    /// multiple of 8 bytes. The file appears whole or not at all: it is written beside <paramref name="path"/>,
    /// flushed to disk, then renamed over it.
    /// </summary>
    public static void Write(string path, IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(path);
        var header = BuildHeader(tensors, metadata);
        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(header);
                foreach (var tensor in tensors)
                {
                    stream.Write(tensor.Data);
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            // Leave no half-written temporary behind; the caller still gets the original exception.
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>The bytes <see cref="Write"/> would put in a file.</summary>
    public static byte[] ToBytes(IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var header = BuildHeader(tensors, metadata);
        var bytes = new byte[header.Length + tensors.Sum(t => (long)t.Data.Length)];
        header.CopyTo(bytes, 0);
        var at = header.Length;
        foreach (var tensor in tensors)
        {
            tensor.Data.CopyTo(bytes, at);
            at += tensor.Data.Length;
        }

        return bytes;
    }

    /// <summary>
    /// Reads the file at <paramref name="path"/>, refusing one larger than <paramref name="maxBytes"/>. Tensors come
    /// back in data-offset order; metadata is empty when the file has none. I/O failures (a missing file) are the
    /// usual <see cref="IOException"/>s; everything wrong with the content is a <see cref="SafeTensorsFormatException"/>.
    /// </summary>
    public static (IReadOnlyList<SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path, long maxBytes = 4L << 30)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var total = stream.Length;
        if (total > maxBytes)
        {
            throw new SafeTensorsFormatException(path, $"file is {total} bytes, more than the {maxBytes}-byte limit for a model.");
        }

        if (total < SafeTensorsHeader.LengthFieldBytes)
        {
            throw new SafeTensorsFormatException(path, $"file is {total} bytes, too short for the 8-byte header length.");
        }

        Span<byte> lengthField = stackalloc byte[SafeTensorsHeader.LengthFieldBytes];
        ReadExactly(stream, lengthField, path);
        var headerLength = SafeTensorsHeader.ReadLength(lengthField, total, path);

        // Safe to allocate now: the length is at most 100 MB and no more than the file actually holds.
        var json = new byte[headerLength];
        ReadExactly(stream, json, path);
        var dataLength = total - SafeTensorsHeader.LengthFieldBytes - headerLength;
        var header = SafeTensorsHeader.Parse(json, dataLength, path);

        // The entries tile the data section in order, so one sequential pass reads them, and together they
        // allocate exactly the data section's size.
        var tensors = new SafeTensor[header.Entries.Count];
        for (var i = 0; i < tensors.Length; i++)
        {
            var entry = header.Entries[i];
            var size = entry.End - entry.Begin;
            if (size > Array.MaxLength)
            {
                throw new SafeTensorsFormatException(path, $"tensor '{entry.Name}' has {size} bytes, more than one .NET array holds ({Array.MaxLength}).");
            }

            var data = new byte[size];
            ReadExactly(stream, data, path);
            tensors[i] = new SafeTensor(entry.Name, entry.DType, entry.Shape, data);
        }

        return (tensors, header.Metadata);
    }

    /// <summary>Reads a safetensors image held in memory (an HTTP body, a test); <paramref name="nameForErrors"/> starts every error message.</summary>
    public static (IReadOnlyList<SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(ReadOnlySpan<byte> bytes, string nameForErrors)
    {
        ArgumentNullException.ThrowIfNull(nameForErrors);
        if (bytes.Length < SafeTensorsHeader.LengthFieldBytes)
        {
            throw new SafeTensorsFormatException(nameForErrors, $"input is {bytes.Length} bytes, too short for the 8-byte header length.");
        }

        var headerLength = (int)SafeTensorsHeader.ReadLength(bytes, bytes.Length, nameForErrors);
        var data = bytes[(SafeTensorsHeader.LengthFieldBytes + headerLength)..];
        var header = SafeTensorsHeader.Parse(bytes.Slice(SafeTensorsHeader.LengthFieldBytes, headerLength), data.Length, nameForErrors);
        var tensors = new SafeTensor[header.Entries.Count];
        for (var i = 0; i < tensors.Length; i++)
        {
            var entry = header.Entries[i];
            tensors[i] = new SafeTensor(entry.Name, entry.DType, entry.Shape, data[(int)entry.Begin..(int)entry.End].ToArray());
        }

        return (tensors, header.Metadata);
    }

    /// <summary>The length field, the JSON and its padding: everything before the first tensor byte.</summary>
    private static byte[] BuildHeader(IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(SafeTensorsHeader.MetadataKey);

                // Sorted, so equal inputs give equal bytes whatever the dictionary's enumeration order.
                foreach (var (key, value) in metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in tensors)
            {
                Validate(tensor, names);
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", tensor.DType);
                writer.WriteStartArray("shape");
                foreach (var dim in tensor.Shape)
                {
                    writer.WriteNumberValue(dim);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += tensor.Data.Length;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        var jsonLength = (int)json.Length;
        var padded = (jsonLength + Alignment - 1) / Alignment * Alignment;
        var header = new byte[SafeTensorsHeader.LengthFieldBytes + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        json.GetBuffer().AsSpan(0, jsonLength).CopyTo(header.AsSpan(SafeTensorsHeader.LengthFieldBytes));
        header.AsSpan(SafeTensorsHeader.LengthFieldBytes + jsonLength).Fill((byte)' ');
        return header;
    }

    /// <summary>Refuses what would make a file this reader (or any other) rejects.</summary>
    private static void Validate(SafeTensor tensor, HashSet<string> names)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(tensor.Name, nameof(tensor));
        ArgumentNullException.ThrowIfNull(tensor.Data, nameof(tensor));
        ArgumentNullException.ThrowIfNull(tensor.Shape, nameof(tensor));
        if (tensor.Name == SafeTensorsHeader.MetadataKey)
        {
            throw new ArgumentException($"a tensor may not be named '{SafeTensorsHeader.MetadataKey}'; the format reserves it.", nameof(tensor));
        }

        if (!names.Add(tensor.Name))
        {
            throw new ArgumentException($"two tensors are named '{tensor.Name}'.", nameof(tensor));
        }

        if (!SafeTensorDType.TryGetSize(tensor.DType, out var size))
        {
            throw new ArgumentException($"tensor '{tensor.Name}': unknown dtype \"{tensor.DType}\" (known: {SafeTensorDType.Known}).", nameof(tensor));
        }

        long bytes = size;
        foreach (var dim in tensor.Shape)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"tensor '{tensor.Name}': negative dimension {dim}.", nameof(tensor));
            }

            bytes = checked(bytes * dim);
        }

        if (bytes != tensor.Data.Length)
        {
            throw new ArgumentException($"tensor '{tensor.Name}': shape [{string.Join(", ", tensor.Shape)}] of {tensor.DType} needs {bytes} bytes, but Data has {tensor.Data.Length}.", nameof(tensor));
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            // The length was checked against the file's size, so only a file shrinking under us gets here.
            throw new SafeTensorsFormatException(path, "file ended early (was it truncated while being read?).", e);
        }
    }
}
