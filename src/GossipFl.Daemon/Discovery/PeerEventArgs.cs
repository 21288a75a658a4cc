namespace GossipFl.Daemon.Discovery;

/// <summary>A peer that came up, changed or went down; <see cref="Previous"/> is set for changes.</summary>
public sealed class PeerEventArgs(PeerInfo peer, PeerInfo? previous = null) : EventArgs
{
    public PeerInfo Peer { get; } = peer;

    public PeerInfo? Previous { get; } = previous;
}
