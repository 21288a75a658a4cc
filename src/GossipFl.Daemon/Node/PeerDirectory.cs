using System.Collections.Concurrent;
using System.Net;
using GossipFl.Daemon.Discovery;

namespace GossipFl.Daemon.Node;

/// <summary>
/// Where each peer of the topology can be reached: a static address (<c>--peer NAME@host:port</c>, or the
/// topology file's address hint), else the address its mDNS advertisement carries, else the address its last
/// authenticated message came from. Static entries win: they are what the operator asked for. The last resort
/// keeps a peer reachable when its mDNS record lapses (say, its answers were lost while it was busy sending)
/// but its messages still arrive: the transport authenticated them, so the address is its own.
/// </summary>
internal sealed class PeerDirectory
{
    private readonly ConcurrentDictionary<string, IPEndPoint> _static = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IPEndPoint> _learned = new(StringComparer.Ordinal);
    private readonly PeerTable? _discovered;

    public PeerDirectory(PeerTable? discovered) => _discovered = discovered;

    public void AddStatic(string node, IPEndPoint endpoint) => _static[node] = endpoint;

    /// <summary>Records where an authenticated message from <paramref name="node"/> came from.</summary>
    public void Learn(string node, IPEndPoint endpoint) => _learned[node] = endpoint;

    /// <summary>Parses <c>NAME@host:port</c>.</summary>
    public static (string Node, IPEndPoint EndPoint) ParseStatic(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0)
        {
            throw new FormatException($"--peer '{text}': write NAME@host:port (the node's name in the topology, then where it listens)");
        }

        var address = StaticPeerAddress.Parse(text[(at + 1)..]);
        var resolved = address.Resolve();
        return (text[..at], new IPEndPoint(resolved.Addresses[0], resolved.Port));
    }

    public IPEndPoint? Find(string node)
    {
        if (_static.TryGetValue(node, out var endpoint))
        {
            return endpoint;
        }

        var peer = _discovered?.Snapshot().FirstOrDefault(p => p.NodeName == node && p.Port > 0 && p.Addresses.Count > 0);
        if (peer is null)
        {
            return _learned.TryGetValue(node, out var learned) ? learned : null;
        }

        // Prefer IPv4: it needs no scope, and every test network has it.
        var address = peer.Addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? peer.Addresses[0];
        return new IPEndPoint(address, peer.Port);
    }
}
