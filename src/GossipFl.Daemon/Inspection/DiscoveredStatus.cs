using System.Net;
using System.Net.Sockets;
using GossipFl.Daemon.Discovery;

namespace GossipFl.Daemon.Inspection;

/// <summary>
/// What `gossipfl inspect --discover` makes of the peers mDNS found: a status endpoint for each that advertises
/// one (TXT key "status"), and the others by name. A daemon advertises its status port only when the endpoint
/// listens beyond loopback, so a peer without one almost always runs with the default <c>--status-bind 127.0.0.1</c>,
/// and the user should be told that rather than see the peer silently missing.
/// </summary>
internal sealed record DiscoveredStatus(IReadOnlyList<Uri> Endpoints, IReadOnlyList<PeerInfo> WithoutStatus)
{
    /// <summary>The advice shown when peers were found that advertise no reachable status endpoint.</summary>
    public const string Hint =
        "their status endpoints listen on loopback only (the default) or are off; start them with --status-bind 0.0.0.0 " +
        "(or an address of the interface they share with this machine) to inspect them over the network";

    public static DiscoveredStatus From(IEnumerable<PeerInfo> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var endpoints = new List<Uri>();
        var without = new List<PeerInfo>();
        foreach (var peer in peers.Where(p => p.Source == PeerSource.Mdns).OrderBy(p => p.NodeName, StringComparer.Ordinal))
        {
            if (EndpointOf(peer) is { } endpoint)
            {
                endpoints.Add(endpoint);
            }
            else
            {
                without.Add(peer);
            }
        }

        return new DiscoveredStatus(endpoints, without);
    }

    /// <summary>
    /// The peer's status URL, on an IPv4 address when it has one: an IPv6 link-local address needs a zone that
    /// not every HTTP stack accepts in a URL. Null when the peer advertises no status port.
    /// </summary>
    public static Uri? EndpointOf(PeerInfo peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (peer.StatusPort is < 1 or > 65535)
        {
            return null;
        }

        var address = peer.Addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? peer.Addresses.FirstOrDefault(a => !a.IsIPv6LinkLocal)
            ?? (peer.Addresses.Count > 0 ? peer.Addresses[0] : null);
        return address is not null && Uri.TryCreate($"http://{new IPEndPoint(address, peer.StatusPort)}/", UriKind.Absolute, out var endpoint)
            ? endpoint
            : null;
    }
}
