using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GossipFl.Daemon.Tests.Netns;

public sealed class TestNetworkTests
{
    [Fact]
    public void Create_ThreeHosts_UdpCrossesTheBridgeBetweenNamespaces()
    {
        using var network = TestNetwork.Create(3);
        var (a, c) = (network.Hosts[0], network.Hosts[2]);
        using var receiver = c.InNamespace(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(c.Address, 0));
            return socket;
        });
        using var sender = a.InNamespace(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        receiver.ReceiveTimeout = 5000;

        sender.SendTo(Encoding.ASCII.GetBytes("hello"), receiver.LocalEndPoint!);
        var buffer = new byte[16];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        var length = receiver.ReceiveFrom(buffer, ref from);

        Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, length));
        Assert.Equal(a.Address, ((IPEndPoint)from).Address);
    }

    [Fact]
    public void Dispose_RemovesEveryNamespace()
    {
        string[] names;
        using (var network = TestNetwork.Create(2))
        {
            names = [network.HubNamespace, .. network.Hosts.Select(h => h.Namespace)];
            Assert.All(names, name => Assert.True(File.Exists($"/var/run/netns/{name}"), name));
        }

        Assert.All(names, name => Assert.False(File.Exists($"/var/run/netns/{name}"), name));
    }

    [Fact]
    public void Create_HostsCannotReachTheMachinesRealNetwork()
    {
        using var network = TestNetwork.Create(1);
        var routes = TestNetwork.Run(network.Hosts[0].Namespace, "ip", "route");

        // Only the private bridge subnet is routable: no default route leads out of the namespace.
        Assert.Contains("10.77.0.0/24 dev gl0", routes, StringComparison.Ordinal);
        Assert.DoesNotContain("default", routes, StringComparison.Ordinal);
    }
}
