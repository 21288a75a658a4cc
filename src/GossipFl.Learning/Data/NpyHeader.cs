using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace GossipFl.Learning.Data;

/// <summary>
/// The header of one NPY array (numpy's format spec, NEP 1 and numpy.lib.format): the magic string
/// <c>\x93NUMPY</c>, a major and a minor version byte, the header length (little-endian u16 in version 1.0, u32
/// in 2.0 and 3.0), then that many bytes of a Python dict literal such as
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (60000, 784), }</c>, padded with spaces and a final
/// newline. The array's data follows, row-major unless <c>fortran_order</c> is True.
/// </summary>
internal sealed class NpyHeader
{
    /// <summary>numpy itself refuses headers over 10,000 bytes by default (<c>max_header_size</c>); allow more, but
    /// not enough for a hostile length to cost memory.</summary>
    public const int MaxHeaderLength = 64 * 1024;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private NpyHeader(string descr, bool fortranOrder, long[] shape, long dataOffset)
    {
        Descr = descr;
        FortranOrder = fortranOrder;
        Shape = shape;
        DataOffset = dataOffset;
    }

    public string Descr { get; }

    public bool FortranOrder { get; }

    /// <summary>Dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Bytes before the data: magic, version, length field and header text.</summary>
    public long DataOffset { get; }

    /// <summary>
    /// Reads the header from <paramref name="input"/>, leaving it at the first data byte. Every problem is a
    /// <see cref="DataFormatException"/> for <paramref name="path"/> that starts with <paramref name="member"/>.
    /// </summary>
    public static NpyHeader Read(Stream input, string path, string member)
    {
        Span<byte> prefix = stackalloc byte[12];
        var got = input.ReadAtLeast(prefix[..10], 10, throwOnEndOfStream: false);
        if (got < 10 || !prefix[..6].SequenceEqual(Magic))
        {
            throw new DataFormatException(path, $"{member}: not an NPY array (no \\x93NUMPY magic at its start).");
        }

        var major = prefix[6];
        int headerLength;
        long offset;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]);
                offset = 10;
                break;
            case 2 or 3:
                if (input.ReadAtLeast(prefix[10..12], 2, throwOnEndOfStream: false) < 2)
                {
                    throw new DataFormatException(path, $"{member}: NPY header truncated.");
                }

                var length = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
                headerLength = length > MaxHeaderLength ? int.MaxValue : (int)length;
                offset = 12;
                break;
            default:
                throw new DataFormatException(path, $"{member}: NPY format version {major}.{prefix[7]} is not supported (1.0, 2.0 and 3.0 are).");
        }

        if (headerLength > MaxHeaderLength)
        {
            throw new DataFormatException(path, $"{member}: NPY header declares more than {MaxHeaderLength} bytes; refusing it.");
        }

        var bytes = new byte[headerLength];
        if (input.ReadAtLeast(bytes, headerLength, throwOnEndOfStream: false) < headerLength)
        {
            throw new DataFormatException(path, $"{member}: NPY header truncated: it declares {headerLength} bytes.");
        }

        // Versions 1 and 2 write the header in latin-1, version 3 in UTF-8; the keys and values read here are ASCII.
        var text = major == 3 ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
        try
        {
            var (descr, fortran, shape) = new DictParser(text).Parse();
            return new NpyHeader(descr, fortran, shape, offset + headerLength);
        }
        catch (FormatException ex)
        {
            throw new DataFormatException(path, $"{member}: NPY header {CsvCells.Quote(text.Trim().ReplaceLineEndings(" "))}: {ex.Message}.");
        }
    }

    /// <summary>Reads exactly the dict literal numpy writes: string keys; string, boolean and tuple-of-int values.</summary>
    private ref struct DictParser(string text)
    {
        private readonly string _text = text;
        private int _at;

        public (string Descr, bool FortranOrder, long[] Shape) Parse()
        {
            string? descr = null;
            bool? fortran = null;
            long[]? shape = null;
            Expect('{');
            while (!TryTake('}'))
            {
                var key = ReadString();
                Expect(':');
                switch (key)
                {
                    case "descr":
                        if (Peek() == '[')
                        {
                            throw new FormatException("structured (record) dtypes are not supported; save a plain array");
                        }

                        descr = ReadString();
                        break;
                    case "fortran_order":
                        fortran = ReadBoolean();
                        break;
                    case "shape":
                        shape = ReadShape();
                        break;
                    default:
                        throw new FormatException($"unexpected key '{key}'");
                }

                if (!TryTake(','))
                {
                    Expect('}');
                    break;
                }
            }

            if (descr is null || fortran is null || shape is null)
            {
                throw new FormatException("the keys 'descr', 'fortran_order' and 'shape' are all required");
            }

            return (descr, fortran.Value, shape);
        }

        private long[] ReadShape()
        {
            Expect('(');
            var dimensions = new List<long>();
            while (!TryTake(')'))
            {
                dimensions.Add(ReadInteger());
                if (!TryTake(','))
                {
                    Expect(')');
                    break;
                }
            }

            return dimensions.ToArray();
        }

        private long ReadInteger()
        {
            SkipSpace();
            var start = _at;
            if (_at < _text.Length && _text[_at] == '-')
            {
                _at++;
            }

            while (_at < _text.Length && char.IsAsciiDigit(_text[_at]))
            {
                _at++;
            }

            var digits = _text.AsSpan(start, _at - start);
            // Python 2 wrote long integers with an L suffix.
            if (_at < _text.Length && _text[_at] == 'L')
            {
                _at++;
            }

            if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw new FormatException(digits.IsEmpty ? $"expected a dimension at offset {start}" : $"dimension {digits} is not a 64-bit integer");
            }

            return value < 0 ? throw new FormatException($"dimension {value} is negative") : value;
        }

        private bool ReadBoolean()
        {
            SkipSpace();
            foreach (var (word, value) in new[] { ("True", true), ("False", false) })
            {
                if (_text.AsSpan(_at).StartsWith(word, StringComparison.Ordinal))
                {
                    _at += word.Length;
                    return value;
                }
            }

            throw new FormatException($"expected True or False at offset {_at}");
        }

        private string ReadString()
        {
            SkipSpace();
            var quote = _at < _text.Length ? _text[_at] : '\0';
            if (quote is not ('\'' or '"'))
            {
                throw new FormatException($"expected a quoted string at offset {_at}");
            }

            var end = _text.IndexOf(quote, _at + 1);
            if (end < 0)
            {
                throw new FormatException("unterminated string");
            }

            var value = _text[(_at + 1)..end];
            _at = end + 1;
            return value;
        }

        private char Peek()
        {
            SkipSpace();
            return _at < _text.Length ? _text[_at] : '\0';
        }

        private bool TryTake(char c)
        {
            if (Peek() != c)
            {
                return false;
            }

            _at++;
            return true;
        }

        private void Expect(char c)
        {
            if (!TryTake(c))
            {
                throw new FormatException($"expected '{c}' at offset {_at}");
            }
        }

        private void SkipSpace()
        {
            while (_at < _text.Length && char.IsWhiteSpace(_text[_at]))
            {
                _at++;
            }
        }
    }
}
