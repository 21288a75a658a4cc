using System.Net;
using System.Net.Sockets;
using GossipFl.Daemon.Discovery.Mdns;

namespace GossipFl.Daemon.Tests.Discovery.Fakes;

/// <summary>One host's attachment to a <see cref="FakeLan"/>.</summary>
internal sealed class FakeLink(FakeLan lan, IPAddress address) : IMdnsLink
{
    public IPAddress Address { get; } = address;

    public string Name => $"fake/{Address}";

    public AddressFamily Family => Address.AddressFamily;

    public int InterfaceIndex => 2;

    public IReadOnlyList<IPAddress> InterfaceAddresses => [Address];

    /// <summary>Port datagrams appear to come from (5353 for mDNS, another for a legacy resolver).</summary>
    public int SourcePort { get; set; } = MdnsConstants.Port;

    /// <summary>When set, what this link sends is recorded but never arrives anywhere (a crashed host).</summary>
    public bool DropOutgoing { get; set; }

    public Action<byte[], IPEndPoint, TimeSpan>? Receive { get; set; }

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint? destination) => lan.Transmit(this, datagram, destination);

    internal void Deliver(byte[] data, IPEndPoint from, TimeSpan now) => Receive?.Invoke(data, from, now);
}
