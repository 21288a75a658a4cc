using System.Net;
using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Inspection;

namespace GossipFl.Daemon.Tests.Inspection;

public sealed class DiscoveredStatusTests
{
    [Fact]
    public void From_PeerAdvertisingAStatusPort_GivesItsUrlOnItsIPv4Address()
    {
        var peer = Peer("a", [IPAddress.Parse("fe80::1"), IPAddress.Parse("10.77.0.1")], statusPort: 9100);

        var found = DiscoveredStatus.From([peer]);

        Assert.Equal([new Uri("http://10.77.0.1:9100/")], found.Endpoints);
        Assert.Empty(found.WithoutStatus);
    }

    [Fact]
    public void From_PeerWithoutAStatusPort_IsListedAsSuch_AndStaticPeersAreLeftOut()
    {
        var loopbackOnly = Peer("b", [IPAddress.Parse("10.77.0.2")], statusPort: 0);
        var staticPeer = new PeerInfo("10.77.0.3:7000", "10.77.0.3:7000", [IPAddress.Parse("10.77.0.3")], 7000, 0, "", PeerSource.Static, null);

        var found = DiscoveredStatus.From([loopbackOnly, staticPeer]);

        Assert.Empty(found.Endpoints);
        Assert.Equal([loopbackOnly], found.WithoutStatus);
    }

    [Fact]
    public void EndpointOf_IPv6Only_BracketsTheAddress()
    {
        var peer = Peer("c", [IPAddress.Parse("2001:db8::7")], statusPort: 9100);

        Assert.Equal(new Uri("http://[2001:db8::7]:9100/"), DiscoveredStatus.EndpointOf(peer));
    }

    private static PeerInfo Peer(string name, IPAddress[] addresses, int statusPort) =>
        new(name, name, addresses, 7000, 1, "fp", PeerSource.Mdns, DateTimeOffset.UnixEpoch) { StatusPort = statusPort };
}
