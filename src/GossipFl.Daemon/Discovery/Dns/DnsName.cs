using System.Text;
using System.Text.Unicode;

namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>
/// A domain name as a sequence of labels (UTF-8 on the wire, RFC 6762 §16). Comparison folds ASCII letters only,
/// as RFC 6762 §16 and RFC 1035 §2.3.3 require: no Unicode case folding. Instances are immutable and validated:
/// labels are 1-63 bytes and the whole name is at most 255 bytes in wire form (RFC 1035 §2.3.4).
/// </summary>
public sealed class DnsName : IEquatable<DnsName>
{
    public const int MaxLabelLength = 63;
    public const int MaxWireLength = 255;

    /// <summary>Longest chain of compression pointers followed in one name; real encoders need one or two.</summary>
    private const int MaxPointerChain = 32;

    private readonly string[] _labels;

    private DnsName(string[] labels, int wireLength)
    {
        _labels = labels;
        WireLength = wireLength;
    }

    public static DnsName Root { get; } = new([], 1);

    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Length of the uncompressed wire form, including every length byte and the final zero.</summary>
    public int WireLength { get; }

    /// <summary>Builds a name from labels; throws <see cref="ArgumentException"/> if a label or the name is too long.</summary>
    public static DnsName FromLabels(IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var array = labels.ToArray();
        var wire = 1;
        foreach (var label in array)
        {
            var bytes = Encoding.UTF8.GetByteCount(label);
            if (bytes is 0 or > MaxLabelLength)
            {
                throw new ArgumentException($"DNS label '{label}' is {bytes} bytes; labels are 1-{MaxLabelLength} bytes", nameof(labels));
            }

            wire += 1 + bytes;
        }

        return wire > MaxWireLength
            ? throw new ArgumentException($"DNS name is {wire} bytes; names are at most {MaxWireLength}", nameof(labels))
            : new DnsName(array, wire);
    }

    /// <summary>
    /// Parses presentation form: labels separated by '.', with "\." and "\\" for a literal dot or backslash
    /// (RFC 6763 §4.3 relies on this so instance names may contain dots). A trailing dot is allowed.
    /// </summary>
    public static DnsName Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var labels = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                current.Append(text[++i]);
            }
            else if (c == '.')
            {
                if (current.Length == 0)
                {
                    if (i == text.Length - 1 && labels.Count > 0)
                    {
                        break;
                    }

                    throw new ArgumentException($"DNS name '{text}' has an empty label", nameof(text));
                }

                labels.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            labels.Add(current.ToString());
        }

        return FromLabels(labels);
    }

    /// <summary>This name with one more label in front, e.g. an instance label before a service type.</summary>
    public DnsName Prepend(string label) => FromLabels([label, .. _labels]);

    /// <summary>The name without its first <paramref name="count"/> labels.</summary>
    public DnsName Skip(int count) => FromLabels(_labels.Skip(count));

    public bool Equals(DnsName? other)
    {
        if (other is null || other._labels.Length != _labels.Length)
        {
            return false;
        }

        for (var i = 0; i < _labels.Length; i++)
        {
            if (!LabelEquals(_labels[i], other._labels[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as DnsName);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var label in _labels)
        {
            foreach (var c in label)
            {
                hash.Add(FoldAscii(c));
            }

            hash.Add('.');
        }

        return hash.ToHashCode();
    }

    /// <summary>Presentation form with '.' and '\' inside labels escaped, without a trailing dot.</summary>
    public override string ToString()
    {
        if (_labels.Length == 0)
        {
            return ".";
        }

        var builder = new StringBuilder(WireLength);
        foreach (var label in _labels)
        {
            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            foreach (var c in label)
            {
                if (c is '.' or '\\')
                {
                    builder.Append('\\');
                }

                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Reads a possibly compressed name starting at <paramref name="offset"/> of a whole message and advances
    /// <paramref name="offset"/> past the bytes the name occupies in place (RFC 1035 §4.1.4).
    /// </summary>
    /// <remarks>
    /// Every pointer must point strictly before the place where the previous jump landed (or where the name
    /// started). Every encoder produces this order, because it can only point at names it has already written;
    /// requiring it makes each jump go further back, so reading always terminates without a visited set.
    /// </remarks>
    internal static bool TryRead(ReadOnlySpan<byte> message, ref int offset, out DnsName name, out DnsRejection reason)
    {
        name = Root;
        var position = offset;
        var segmentStart = offset;
        var end = -1;
        var wire = 1;
        var jumps = 0;
        List<string>? labels = null;
        Span<int> visited = stackalloc int[MaxPointerChain * 2];
        while (true)
        {
            if (position >= message.Length)
            {
                reason = DnsRejection.NameTruncated;
                return false;
            }

            var length = message[position];
            switch (length & 0xC0)
            {
                case 0xC0:
                    if (position + 1 >= message.Length)
                    {
                        reason = DnsRejection.NameTruncated;
                        return false;
                    }

                    var target = ((length & 0x3F) << 8) | message[position + 1];
                    if (end < 0)
                    {
                        end = position + 2;
                    }

                    if (target >= message.Length || target < DnsHeader.Size)
                    {
                        reason = DnsRejection.PointerOutOfBounds;
                        return false;
                    }

                    visited[jumps * 2] = segmentStart;
                    visited[(jumps * 2) + 1] = position;
                    if (target >= segmentStart)
                    {
                        reason = visited[..((jumps * 2) + 2)].Contains(target) ? DnsRejection.PointerLoop : DnsRejection.PointerForward;
                        return false;
                    }

                    if (++jumps >= MaxPointerChain)
                    {
                        reason = DnsRejection.PointerLoop;
                        return false;
                    }

                    position = target;
                    segmentStart = target;
                    break;
                case 0x00 when length == 0:
                    offset = end < 0 ? position + 1 : end;
                    name = labels is null ? Root : new DnsName([.. labels], wire);
                    reason = DnsRejection.None;
                    return true;
                case 0x00:
                    if (position + 1 + length > message.Length)
                    {
                        reason = DnsRejection.NameTruncated;
                        return false;
                    }

                    wire += 1 + length;
                    if (wire > MaxWireLength)
                    {
                        reason = DnsRejection.NameTooLong;
                        return false;
                    }

                    var bytes = message.Slice(position + 1, length);
                    if (!Utf8.IsValid(bytes))
                    {
                        reason = DnsRejection.InvalidLabelEncoding;
                        return false;
                    }

                    (labels ??= new List<string>(4)).Add(Encoding.UTF8.GetString(bytes));
                    position += 1 + length;
                    break;
                default:
                    reason = DnsRejection.ReservedLabelType;
                    return false;
            }
        }
    }

    private static bool LabelEquals(string a, string b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (FoldAscii(a[i]) != FoldAscii(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static char FoldAscii(char c) => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
}
