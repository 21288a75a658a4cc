using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace GossipFl.Learning.Models;

/// <summary>
/// The JSON header of a safetensors file, parsed and checked against the size of the data section before a single
/// tensor byte is touched. Facts of the format (huggingface/safetensors README, "Format", and
/// safetensors/src/tensor.rs): an 8-byte little-endian length N, N bytes of UTF-8 JSON that start with <c>{</c> and
/// may be padded at the end with spaces, then the data section. The JSON maps each tensor name to
/// <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets relative to the data section) plus an optional
/// <c>"__metadata__"</c> of string to string. Duplicate keys are disallowed, and the tensors must cover the data
/// section exactly, without overlaps or holes (so a file cannot smuggle a second format inside it).
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>The reference implementation's cap on the JSON; a header bigger than this is an attack, not a model.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const int LengthFieldBytes = 8;

    public const string MetadataKey = "__metadata__";

    // Root object, tensor entry, shape array: deeper nesting is never valid. The parser refuses a value of the
    // wrong kind at its first token, so it never walks deeper; the cap is the backstop should that change, one level
    // above the deepest valid value so that "shape": [[1]] still gets the message naming the field.
    private const int MaxDepth = 4;

    private SafeTensorsHeader(SafeTensorsHeaderEntry[] entries, Dictionary<string, string> metadata)
    {
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>The tensors in data-offset order.</summary>
    public IReadOnlyList<SafeTensorsHeaderEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Reads the length field and checks it against <paramref name="totalLength"/>, the actual size of the whole
    /// file, so that a hostile length is refused before anything is allocated for it.
    /// </summary>
    public static long ReadLength(ReadOnlySpan<byte> lengthField, long totalLength, string name)
    {
        var declared = BinaryPrimitives.ReadUInt64LittleEndian(lengthField);
        if (declared > MaxHeaderBytes)
        {
            throw new SafeTensorsFormatException(name, $"header length {declared} exceeds the {MaxHeaderBytes}-byte cap on safetensors headers.");
        }

        if ((long)declared > totalLength - LengthFieldBytes)
        {
            throw new SafeTensorsFormatException(
                name, $"header length {declared} runs past the end of the file ({totalLength} bytes, so at most {totalLength - LengthFieldBytes} for the header).");
        }

        return (long)declared;
    }

    /// <summary>Parses <paramref name="json"/> and checks every entry against a data section of <paramref name="dataLength"/> bytes.</summary>
    public static SafeTensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string name)
    {
        if (json.IsEmpty || json[0] != (byte)'{')
        {
            throw new SafeTensorsFormatException(name, "header is not a JSON object (its first byte must be '{').");
        }

        if (!Utf8.IsValid(json))
        {
            throw new SafeTensorsFormatException(name, "header is not valid UTF-8.");
        }

        var entries = new List<SafeTensorsHeaderEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            Next(ref reader, name);
            while (Next(ref reader, name) == JsonTokenType.PropertyName)
            {
                var key = ReadString(ref reader, name);
                if (!keys.Add(key))
                {
                    throw new SafeTensorsFormatException(name, $"header has the key '{key}' twice (duplicate keys are not allowed).");
                }

                Next(ref reader, name);
                if (key == MetadataKey)
                {
                    ReadMetadata(ref reader, metadata, name);
                }
                else
                {
                    entries.Add(ReadEntry(ref reader, key, dataLength, name));
                }
            }
        }
        catch (JsonException e)
        {
            throw new SafeTensorsFormatException(name, $"header is not valid JSON: {e.Message}", e);
        }

        // Only the spaces the format allows may follow the object.
        var rest = json[(int)reader.BytesConsumed..];
        var stray = rest.IndexOfAnyExcept((byte)' ');
        if (stray >= 0)
        {
            throw new SafeTensorsFormatException(
                name, $"header has byte 0x{rest[stray]:X2} at offset {reader.BytesConsumed + stray} after its JSON object (only space padding may follow it).");
        }

        var sorted = entries.ToArray();
        Array.Sort(sorted, static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End != b.End ? a.End.CompareTo(b.End) : string.CompareOrdinal(a.Name, b.Name));
        CheckCoverage(sorted, dataLength, name);
        return new SafeTensorsHeader(sorted, metadata);
    }

    private static void CheckCoverage(SafeTensorsHeaderEntry[] sorted, long dataLength, string name)
    {
        long covered = 0;
        string? previous = null;
        foreach (var entry in sorted)
        {
            if (entry.Begin < covered)
            {
                throw new SafeTensorsFormatException(
                    name, $"tensor '{entry.Name}' (bytes {entry.Begin}..{entry.End}) overlaps tensor '{previous}', which ends at byte {covered} of the data section.");
            }

            if (entry.Begin > covered)
            {
                throw new SafeTensorsFormatException(
                    name, $"bytes {covered}..{entry.Begin} of the data section belong to no tensor (the format allows no gaps).");
            }

            covered = entry.End;
            previous = entry.Name;
        }

        if (covered != dataLength)
        {
            throw new SafeTensorsFormatException(
                name, $"{dataLength - covered} trailing bytes after the last tensor (tensors cover {covered} of the data section's {dataLength} bytes).");
        }
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new SafeTensorsFormatException(name, $"'{MetadataKey}' is {Describe(reader.TokenType)}, not an object of strings.");
        }

        while (Next(ref reader, name) == JsonTokenType.PropertyName)
        {
            var key = ReadString(ref reader, name);
            if (Next(ref reader, name) != JsonTokenType.String)
            {
                throw new SafeTensorsFormatException(name, $"'{MetadataKey}' value of '{key}' is {Describe(reader.TokenType)}; metadata values must be strings.");
            }

            if (!metadata.TryAdd(key, ReadString(ref reader, name)))
            {
                throw new SafeTensorsFormatException(name, $"'{MetadataKey}' has the key '{key}' twice (duplicate keys are not allowed).");
            }
        }
    }

    private static SafeTensorsHeaderEntry ReadEntry(ref Utf8JsonReader reader, string tensor, long dataLength, string name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new SafeTensorsFormatException(name, $"tensor '{tensor}': entry is {Describe(reader.TokenType)}, not an object.");
        }

        string? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (Next(ref reader, name) == JsonTokenType.PropertyName)
        {
            var field = ReadString(ref reader, name);
            Next(ref reader, name);
            switch (field)
            {
                case "dtype" when dtype is null:
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw new SafeTensorsFormatException(name, $"tensor '{tensor}': \"dtype\" is {Describe(reader.TokenType)}, not a string.");
                    }

                    dtype = ReadString(ref reader, name);
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(ref reader, tensor, field, name);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(ref reader, tensor, field, name);
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw new SafeTensorsFormatException(name, $"tensor '{tensor}': \"{field}\" appears twice (duplicate keys are not allowed).");
                default:
                    throw new SafeTensorsFormatException(name, $"tensor '{tensor}': unknown field \"{field}\" (expected dtype, shape, data_offsets).");
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            var missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw new SafeTensorsFormatException(name, $"tensor '{tensor}': missing \"{missing}\".");
        }

        if (!SafeTensorDType.TryGetSize(dtype, out var elementSize))
        {
            throw new SafeTensorsFormatException(name, $"tensor '{tensor}': unknown dtype \"{dtype}\" (known: {SafeTensorDType.Known}).");
        }

        if (offsets.Length != 2)
        {
            throw new SafeTensorsFormatException(name, $"tensor '{tensor}': \"data_offsets\" has {offsets.Length} numbers, not [begin, end].");
        }

        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end)
        {
            throw new SafeTensorsFormatException(name, $"tensor '{tensor}': \"data_offsets\" [{begin}, {end}] begins after it ends.");
        }

        if (end > dataLength)
        {
            throw new SafeTensorsFormatException(name, $"tensor '{tensor}': \"data_offsets\" end {end} is beyond the data section ({dataLength} bytes).");
        }

        var bytes = ByteCount(shape, elementSize, tensor, name);
        if (end - begin != bytes)
        {
            throw new SafeTensorsFormatException(
                name, $"tensor '{tensor}': \"data_offsets\" [{begin}, {end}] span {end - begin} bytes, but shape [{string.Join(", ", shape)}] of {dtype} needs {bytes}.");
        }

        return new SafeTensorsHeaderEntry(tensor, dtype, shape, begin, end);
    }

    private static long ByteCount(long[] shape, int elementSize, string tensor, string name)
    {
        long bytes = elementSize;
        foreach (var dim in shape)
        {
            // Overflow anywhere refuses the shape, even if a later dimension is 0: no real tensor is that big.
            if (dim != 0 && bytes > long.MaxValue / dim)
            {
                throw new SafeTensorsFormatException(name, $"tensor '{tensor}': shape [{string.Join(", ", shape)}] overflows a 64-bit byte count.");
            }

            bytes *= dim;
        }

        return bytes;
    }

    private static long[] ReadIntegers(ref Utf8JsonReader reader, string tensor, string field, string name)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new SafeTensorsFormatException(name, $"tensor '{tensor}': \"{field}\" is {Describe(reader.TokenType)}, not an array of integers.");
        }

        var values = new List<long>();
        while (Next(ref reader, name) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
            {
                throw new SafeTensorsFormatException(
                    name, $"tensor '{tensor}': \"{field}\" holds {Describe(reader.TokenType)}, not a whole number that fits in 64 bits.");
            }

            if (value < 0)
            {
                throw new SafeTensorsFormatException(name, $"tensor '{tensor}': \"{field}\" holds the negative number {value}.");
            }

            values.Add(value);
        }

        return values.ToArray();
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader, string name)
    {
        if (!reader.Read())
        {
            throw new SafeTensorsFormatException(name, "header JSON ends before its object is closed.");
        }

        return reader.TokenType;
    }

    private static string ReadString(ref Utf8JsonReader reader, string name)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            // An escape such as \ud800 names half a surrogate pair: valid JSON syntax, but no text.
            throw new SafeTensorsFormatException(name, $"header has a string that is not valid text: {e.Message}", e);
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString().ToLower(CultureInfo.InvariantCulture),
    };
}
