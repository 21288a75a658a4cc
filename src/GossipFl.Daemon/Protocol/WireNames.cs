using System.Text;
using System.Text.Unicode;

namespace GossipFl.Daemon.Protocol;

/// <summary>Node names on the wire: a u8 length then 1..63 bytes of valid UTF-8 (the DNS label limit, so a name fits mDNS too).</summary>
public static class WireNames
{
    public const int MaxBytes = 63;

    public static bool IsValid(string name) =>
        !string.IsNullOrEmpty(name) && Encoding.UTF8.GetByteCount(name) <= MaxBytes;

    public static int EncodedLength(string name) => 1 + Encoding.UTF8.GetByteCount(name);

    public static int Write(Span<byte> destination, string name)
    {
        var count = Encoding.UTF8.GetBytes(name, destination[1..]);
        destination[0] = (byte)count;
        return 1 + count;
    }

    /// <summary>Reads a name at the start of <paramref name="source"/>; <paramref name="consumed"/> is its encoded length.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out string name, out int consumed)
    {
        name = string.Empty;
        consumed = 0;
        if (source.IsEmpty)
        {
            return false;
        }

        var length = source[0];
        if (length == 0 || length > MaxBytes || source.Length < 1 + length || !Utf8.IsValid(source.Slice(1, length)))
        {
            return false;
        }

        name = Encoding.UTF8.GetString(source.Slice(1, length));
        consumed = 1 + length;
        return true;
    }
}
