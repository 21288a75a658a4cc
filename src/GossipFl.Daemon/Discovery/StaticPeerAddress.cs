using System.Globalization;
using System.Net;

namespace GossipFl.Daemon.Discovery;

/// <summary>A `--peer` value: "host:port", "1.2.3.4:port" or "[v6]:port".</summary>
public sealed record StaticPeerAddress(string Host, int Port)
{
    public static StaticPeerAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new ArgumentException($"peer '{text}' must be host:port", nameof(text));
        }

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"peer '{text}': write IPv6 addresses in brackets, e.g. [fe80::1]:7000", nameof(text));
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"peer '{text}': port must be 1-65535", nameof(text));
        }

        return host.Length == 0 ? throw new ArgumentException($"peer '{text}' has no host", nameof(text)) : new StaticPeerAddress(host, port);
    }

    /// <summary>The peer as a table entry; a host name is resolved now (IP literals need no resolver).</summary>
    public PeerInfo Resolve()
    {
        var addresses = IPAddress.TryParse(Host, out var literal) ? [literal] : System.Net.Dns.GetHostAddresses(Host);
        var name = ToString();
        return new PeerInfo(name, name, addresses, Port, 0, "", PeerSource.Static, null);
    }

    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}" : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
