namespace GossipFl.Daemon.Discovery;

/// <summary>
/// The live set of known peers, fed by mDNS browsing and by static peers. Thread-safe. Events are raised
/// after the table is updated and outside its lock, on the thread that made the change (the discovery loop):
/// handlers should return quickly and must not block on discovery.
/// </summary>
public sealed class PeerTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PeerInfo> _peers = new(StringComparer.OrdinalIgnoreCase);

    public event EventHandler<PeerEventArgs>? PeerUp;

    public event EventHandler<PeerEventArgs>? PeerChanged;

    public event EventHandler<PeerEventArgs>? PeerDown;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _peers.Count;
            }
        }
    }

    public IReadOnlyList<PeerInfo> Snapshot()
    {
        lock (_gate)
        {
            return [.. _peers.Values.OrderBy(p => p.InstanceName, StringComparer.OrdinalIgnoreCase)];
        }
    }

    public bool TryGet(string instanceName, out PeerInfo peer)
    {
        lock (_gate)
        {
            return _peers.TryGetValue(instanceName, out peer!);
        }
    }

    /// <summary>
    /// Makes the entries of <paramref name="source"/> exactly <paramref name="peers"/>: new ones raise PeerUp,
    /// changed advertisements PeerChanged, missing ones PeerDown. A change of expiry alone raises nothing.
    /// </summary>
    public void Reconcile(PeerSource source, IReadOnlyCollection<PeerInfo> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var events = new List<(EventHandler<PeerEventArgs>? Handler, PeerEventArgs Args)>();
        lock (_gate)
        {
            var wanted = new Dictionary<string, PeerInfo>(StringComparer.OrdinalIgnoreCase);
            foreach (var peer in peers.Where(p => p.Source == source))
            {
                wanted.TryAdd(peer.InstanceName, peer);
            }

            foreach (var gone in _peers.Values.Where(p => p.Source == source && !wanted.ContainsKey(p.InstanceName)).ToList())
            {
                _peers.Remove(gone.InstanceName);
                events.Add((PeerDown, new PeerEventArgs(gone)));
            }

            foreach (var peer in wanted.Values)
            {
                if (!_peers.TryGetValue(peer.InstanceName, out var existing))
                {
                    _peers[peer.InstanceName] = peer;
                    events.Add((PeerUp, new PeerEventArgs(peer)));
                }
                else if (existing.Source != source)
                {
                    // The same name from the other source: the first one keeps the entry, so a static peer is
                    // not replaced by an mDNS record that may expire, nor the reverse.
                    continue;
                }
                else
                {
                    _peers[peer.InstanceName] = peer;
                    if (!existing.SameAdvertisement(peer))
                    {
                        events.Add((PeerChanged, new PeerEventArgs(peer, existing)));
                    }
                }
            }
        }

        foreach (var (handler, args) in events)
        {
            handler?.Invoke(this, args);
        }
    }
}
