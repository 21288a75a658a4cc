using System.Net;

namespace GossipFl.Daemon.Tests.Discovery.Fakes;

/// <summary>
/// An in-memory link layer with a virtual clock: datagrams sent by a <see cref="FakeLink"/> reach every link on
/// the LAN (multicast, including the sender, like IP_MULTICAST_LOOP) or one address (unicast) after a fixed latency.
/// Nothing touches a socket. Delivery order is deterministic (time, then send order).
/// </summary>
internal sealed class FakeLan
{
    private readonly PriorityQueue<(FakeLink To, byte[] Data, IPEndPoint From), (TimeSpan At, long Sequence)> _queue = new();
    private readonly List<FakeLink> _links = [];
    private long _sequence;

    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(1);

    public TimeSpan Now { get; set; }

    /// <summary>Every datagram sent, with its time and sender, for assertions on timing and content.</summary>
    public List<SentDatagram> Sent { get; } = [];

    public FakeLink Connect(IPAddress address)
    {
        var link = new FakeLink(this, address);
        _links.Add(link);
        return link;
    }

    public void Disconnect(FakeLink link) => _links.Remove(link);

    public TimeSpan NextDelivery => _queue.TryPeek(out _, out var key) ? key.At : TimeSpan.MaxValue;

    /// <summary>Delivers the datagrams due by <see cref="Now"/>; returns how many.</summary>
    public int DeliverDue()
    {
        var count = 0;
        while (_queue.TryPeek(out var item, out var key) && key.At <= Now)
        {
            _queue.Dequeue();
            if (_links.Contains(item.To))
            {
                item.To.Deliver(item.Data, item.From, Now);
                count++;
            }
        }

        return count;
    }

    internal void Transmit(FakeLink from, ReadOnlySpan<byte> datagram, IPEndPoint? destination)
    {
        var copy = datagram.ToArray();
        Sent.Add(new SentDatagram(Now, from, copy, destination));
        if (from.DropOutgoing)
        {
            return;
        }

        var source = new IPEndPoint(from.Address, from.SourcePort);
        foreach (var link in _links.Where(l => destination is null || l.Address.Equals(destination.Address)))
        {
            _queue.Enqueue((link, copy, source), (Now + Latency, _sequence++));
        }
    }
}
