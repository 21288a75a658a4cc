namespace GossipFl.Daemon.Security;

/// <summary>
/// A fixed trust list: the named peers may deliver; a pinned peer must present the pinned key. The topology
/// configuration builds one of these for each node.
/// </summary>
public sealed class StaticTrustPolicy : IPeerTrustPolicy
{
    private readonly Dictionary<string, string?> _peers = new(StringComparer.Ordinal);

    public StaticTrustPolicy(IEnumerable<TrustedPeer> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        foreach (var peer in peers)
        {
            _peers[peer.NodeName] = peer.PinnedFingerprint?.ToLowerInvariant();
        }
    }

    public static StaticTrustPolicy Of(params string[] nodeNames) => new(nodeNames.Select(n => new TrustedPeer(n)));

    public bool MayDeliver(string nodeName, string? fingerprint) =>
        _peers.TryGetValue(nodeName, out var pinned)
        && (pinned is null || fingerprint is null || string.Equals(pinned, fingerprint, StringComparison.Ordinal));

    public bool IsAcceptableIdentity(string nodeName, string? fingerprint) =>
        !_peers.TryGetValue(nodeName, out var pinned) || pinned is null || string.Equals(pinned, fingerprint, StringComparison.Ordinal);
}
