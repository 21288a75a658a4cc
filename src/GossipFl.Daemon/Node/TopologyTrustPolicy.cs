using GossipFl.Daemon.Security;
using GossipFl.Topology.Files;

namespace GossipFl.Daemon.Node;

/// <summary>
/// Trust as the topology file states it: only the peers this node trusts, and its followers (whose one message to
/// it is their subscription; the algorithm refuses shares from any peer this node does not trust), may deliver to
/// it. For a time-varying graph any peer of the topology may (the algorithm then refuses shares from peers not
/// trusted in that round). A peer whose fingerprint the file pins must present that key, whichever direction the
/// session goes.
/// </summary>
internal sealed class TopologyTrustPolicy : IPeerTrustPolicy
{
    private readonly HashSet<string> _mayDeliver;
    private readonly Dictionary<string, string?> _pins;

    /// <param name="anyMember">Let every node of the topology deliver (FedAvg, where any member may be elected coordinator).</param>
    public TopologyTrustPolicy(TopologyDocument topology, string self, bool anyMember = false)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var graph = topology.Graph;
        _pins = topology.Nodes.ToDictionary(n => n.Name, n => Normalise(n.Fingerprint), StringComparer.Ordinal);
        _mayDeliver = topology.IsTimeVarying || anyMember
            ? graph.Names.Where(n => n != self).ToHashSet(StringComparer.Ordinal)
            : graph.Trusted(graph.IndexOf(self)).ToArray().Concat(graph.Followers(graph.IndexOf(self)).ToArray())
                .Select(graph.NameOf).Where(n => n != self).ToHashSet(StringComparer.Ordinal);
    }

    public bool MayDeliver(string nodeName, string? fingerprint) =>
        _mayDeliver.Contains(nodeName) && IsAcceptableIdentity(nodeName, fingerprint);

    public bool IsAcceptableIdentity(string nodeName, string? fingerprint) =>
        _pins.TryGetValue(nodeName, out var pinned)
        && (pinned is null || fingerprint is null || string.Equals(pinned, Normalise(fingerprint), StringComparison.Ordinal));

    /// <summary>Topology files may write <c>sha256:HEX</c>; identities print bare lowercase hex.</summary>
    private static string? Normalise(string? fingerprint) =>
        fingerprint is null ? null
        : (fingerprint.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? fingerprint["sha256:".Length..] : fingerprint).ToLowerInvariant();
}
