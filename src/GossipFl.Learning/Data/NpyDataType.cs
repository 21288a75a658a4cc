using System.Buffers.Binary;

namespace GossipFl.Learning.Data;

/// <summary>
/// An NPY array's element type, from the <c>descr</c> string of its header: a byte-order character ('&lt;' little,
/// '&gt;' big, '|' not applicable), a kind character and the item size in bytes, e.g. <c>&lt;f4</c>, <c>|u1</c>,
/// <c>&lt;U5</c> (numpy's array-interface type strings, which numpy.lib.format writes as <c>descr</c>).
/// </summary>
internal readonly record struct NpyDataType(char Order, char Kind, int Size)
{
    /// <summary>Longest string label accepted, in characters: far beyond any class name, and it bounds the header's
    /// claim on memory per label.</summary>
    private const int MaxStringLength = 4096;

    public bool IsBigEndian => Order == '>';

    /// <summary>Floats and integers, which features can be.</summary>
    public bool IsNumber => Kind is 'f' or 'i' or 'u';

    public bool IsInteger => Kind is 'i' or 'u';

    /// <summary>Fixed-length text: <c>U</c> (UTF-32, 4 bytes a character) or <c>S</c> (bytes).</summary>
    public bool IsString => Kind is 'U' or 'S';

    public override string ToString() => $"{Order}{Kind}{Size}";

    /// <summary>The type a descr names, or null with <paramref name="problem"/> saying why it is not accepted.</summary>
    public static NpyDataType? Parse(string descr, out string problem)
    {
        problem = string.Empty;
        if (descr.Length < 2 || descr[0] is not ('<' or '>' or '|'))
        {
            problem = $"dtype '{descr}' is not a simple array-interface type such as '<f4' or '|u1'";
            return null;
        }

        var kind = descr[1];
        if (kind == 'O')
        {
            problem = "dtype '|O' holds Python objects (pickles), which are never loaded; save a numeric or string array";
            return null;
        }

        if (kind is not ('f' or 'i' or 'u' or 'U' or 'S'))
        {
            problem = $"dtype '{descr}' is not supported; features may be float (f2, f4, f8) or integer (i1..i8, u1..u8), labels integer or string (U, S)";
            return null;
        }

        if (!int.TryParse(descr.AsSpan(2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) || count <= 0)
        {
            problem = $"dtype '{descr}' has no valid item size";
            return null;
        }

        // The number after 'U' counts characters of 4 bytes (UTF-32); after every other kind it counts bytes.
        var accepted = kind switch
        {
            'f' => count is 2 or 4 or 8,
            'i' or 'u' => count is 1 or 2 or 4 or 8,
            _ => count <= MaxStringLength,
        };
        if (!accepted)
        {
            problem = $"dtype '{descr}' is not supported; features may be float (f2, f4, f8) or integer (i1..i8, u1..u8), labels integer or string (U, S)";
            return null;
        }

        var size = kind == 'U' ? count * 4 : count;
        return new NpyDataType(descr[0], kind, size);
    }

    /// <summary>One element of a number type as a double (exact for every integer up to 2^53).</summary>
    public double ReadNumber(ReadOnlySpan<byte> item)
    {
        var big = IsBigEndian;
        return (Kind, Size) switch
        {
            ('f', 2) => (double)(big ? BinaryPrimitives.ReadHalfBigEndian(item) : BinaryPrimitives.ReadHalfLittleEndian(item)),
            ('f', 4) => big ? BinaryPrimitives.ReadSingleBigEndian(item) : BinaryPrimitives.ReadSingleLittleEndian(item),
            ('f', 8) => big ? BinaryPrimitives.ReadDoubleBigEndian(item) : BinaryPrimitives.ReadDoubleLittleEndian(item),
            ('i', 1) => (sbyte)item[0],
            ('u', 1) => item[0],
            ('i', 2) => big ? BinaryPrimitives.ReadInt16BigEndian(item) : BinaryPrimitives.ReadInt16LittleEndian(item),
            ('u', 2) => big ? BinaryPrimitives.ReadUInt16BigEndian(item) : BinaryPrimitives.ReadUInt16LittleEndian(item),
            ('i', 4) => big ? BinaryPrimitives.ReadInt32BigEndian(item) : BinaryPrimitives.ReadInt32LittleEndian(item),
            ('u', 4) => big ? BinaryPrimitives.ReadUInt32BigEndian(item) : BinaryPrimitives.ReadUInt32LittleEndian(item),
            ('i', 8) => big ? BinaryPrimitives.ReadInt64BigEndian(item) : BinaryPrimitives.ReadInt64LittleEndian(item),
            ('u', 8) => big ? BinaryPrimitives.ReadUInt64BigEndian(item) : BinaryPrimitives.ReadUInt64LittleEndian(item),
            _ => throw new InvalidOperationException($"dtype {this} is not a number type"),
        };
    }

    /// <summary>One element of an integer type, exactly; a u8 beyond long.MaxValue becomes -1 (no class id either way).</summary>
    public long ReadInteger(ReadOnlySpan<byte> item)
    {
        var big = IsBigEndian;
        return (Kind, Size) switch
        {
            ('i', 8) => big ? BinaryPrimitives.ReadInt64BigEndian(item) : BinaryPrimitives.ReadInt64LittleEndian(item),
            ('u', 8) => (big ? BinaryPrimitives.ReadUInt64BigEndian(item) : BinaryPrimitives.ReadUInt64LittleEndian(item)) is var u && u <= long.MaxValue ? (long)u : -1,
            _ => (long)ReadNumber(item),
        };
    }

    /// <summary>One element of a string type, up to its first NUL (numpy pads shorter strings with NULs).</summary>
    public string ReadString(ReadOnlySpan<byte> item)
    {
        if (Kind == 'S')
        {
            var end = item.IndexOf((byte)0);
            return System.Text.Encoding.UTF8.GetString(end < 0 ? item : item[..end]);
        }

        var text = new System.Text.StringBuilder(Size / 4);
        for (var i = 0; i + 4 <= item.Length; i += 4)
        {
            var code = IsBigEndian ? BinaryPrimitives.ReadUInt32BigEndian(item[i..]) : BinaryPrimitives.ReadUInt32LittleEndian(item[i..]);
            if (code == 0)
            {
                break;
            }

            text.Append(code <= 0x10FFFF && !(code is >= 0xD800 and <= 0xDFFF) ? char.ConvertFromUtf32((int)code) : "\uFFFD");
        }

        return text.ToString();
    }
}
