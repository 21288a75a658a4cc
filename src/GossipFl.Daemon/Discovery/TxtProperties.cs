using System.Text;
using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Discovery;

/// <summary>
/// DNS-SD TXT key/value pairs (RFC 6763 §6): keys are printable ASCII without '=', compared case-insensitively;
/// when a key repeats, the first one counts (§6.4); a string without '=' is a boolean attribute (value null).
/// </summary>
public static class TxtProperties
{
    public static IReadOnlyDictionary<string, string?> Parse(TxtData txt)
    {
        ArgumentNullException.ThrowIfNull(txt);
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in txt.Strings)
        {
            var equals = Array.IndexOf(s, (byte)'=');
            var keyBytes = equals < 0 ? s : s.AsSpan(0, equals).ToArray();

            // §6.4: a string starting with '=' has no key and is ignored; keys are 0x20-0x7E.
            if (keyBytes.Length == 0 || keyBytes.Any(b => b is < 0x20 or > 0x7E))
            {
                continue;
            }

            var key = Encoding.ASCII.GetString(keyBytes);
            result.TryAdd(key, equals < 0 ? null : Encoding.UTF8.GetString(s, equals + 1, s.Length - equals - 1));
        }

        return result;
    }

    /// <summary>Builds TXT rdata from pairs in the given order; throws if a key is invalid or a pair exceeds 255 bytes.</summary>
    public static TxtData Build(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var strings = new List<byte[]>();
        foreach (var (key, value) in pairs)
        {
            if (key.Length == 0 || key.Any(c => c is < ' ' or > '~' or '='))
            {
                throw new ArgumentException($"TXT key '{key}' must be printable ASCII without '='", nameof(pairs));
            }

            var bytes = Encoding.UTF8.GetBytes($"{key}={value}");
            if (bytes.Length > TxtData.MaxStringLength)
            {
                throw new ArgumentException($"TXT pair '{key}' is {bytes.Length} bytes; at most {TxtData.MaxStringLength} fit", nameof(pairs));
            }

            strings.Add(bytes);
        }

        return new TxtData(strings);
    }
}
