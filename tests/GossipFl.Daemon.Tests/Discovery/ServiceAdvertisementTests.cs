using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Discovery.Mdns;

namespace GossipFl.Daemon.Tests.Discovery;

public sealed class ServiceAdvertisementTests
{
    [Fact]
    public void TxtPairs_WithAStatusPort_AdvertiseItUnderKeyStatus()
    {
        var advertisement = new ServiceAdvertisement("node-1", 7001, 1, "sha256:abc") { StatusPort = 9100 };

        var properties = TxtProperties.Parse(TxtProperties.Build(advertisement.TxtPairs()));

        Assert.Equal("9100", properties[GossipFlTxtKeys.StatusPort]);
        Assert.Equal("7001", properties[GossipFlTxtKeys.TransportPort]);
    }

    [Fact]
    public void TxtPairs_WithoutAStatusPort_HaveNoStatusKey()
    {
        var advertisement = new ServiceAdvertisement("node-1", 7001, 1, "sha256:abc");

        var properties = TxtProperties.Parse(TxtProperties.Build(advertisement.TxtPairs()));

        Assert.False(properties.ContainsKey(GossipFlTxtKeys.StatusPort));
        Assert.Equal(5, properties.Count);
    }
}
