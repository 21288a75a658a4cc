using System.Net;
using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Discovery.Mdns;

namespace GossipFl.Daemon.Tests.Discovery.Fakes;

/// <summary>A discovery engine on a fake link: the protocol logic of one node, without sockets.</summary>
internal sealed class SimNode : IDisposable
{
    public SimNode(FakeLan lan, IPAddress address, string? nodeName, int seed, TimeSpan? hostTtl = null, TimeSpan? serviceTtl = null)
    {
        Link = lan.Connect(address);
        Advertisement = nodeName is null ? null : new ServiceAdvertisement(nodeName, 7000, 1, $"fp-{nodeName}");
        Engine = new MdnsEngine(
            [Link],
            Advertisement,
            Peers,
            new Random(seed),
            hostTtl ?? TimeSpan.FromSeconds(120),
            serviceTtl ?? TimeSpan.FromMinutes(75),
            Log.Add,
            t => DateTimeOffset.UnixEpoch + t);
        Link.Receive = (data, from, now) => Engine.Receive(0, data, from, now);
    }

    public FakeLink Link { get; }

    public ServiceAdvertisement? Advertisement { get; }

    public MdnsEngine Engine { get; }

    public PeerTable Peers { get; } = new();

    public List<string> Log { get; } = [];

    public void Dispose() => Engine.Dispose();
}
