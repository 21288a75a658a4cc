using System.Net;
using System.Net.Sockets;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>
/// One interface and address family the engine talks on: a socket in production, an in-memory fake in tests.
/// The engine never creates sockets, so its protocol logic runs without a network.
/// </summary>
internal interface IMdnsLink
{
    /// <summary>e.g. "gl0/IPv4", for logs and `gossipfl peers`.</summary>
    string Name { get; }

    AddressFamily Family { get; }

    /// <summary>Kernel index of the interface: the scope of IPv6 link-local addresses learnt on this link.</summary>
    int InterfaceIndex { get; }

    /// <summary>Addresses of the interface (both families): what A/AAAA answers on this link advertise and how
    /// our own looped-back packets are recognised.</summary>
    IReadOnlyList<IPAddress> InterfaceAddresses { get; }

    /// <summary>Sends to the mDNS group on this interface, or to <paramref name="destination"/> by unicast.</summary>
    void Send(ReadOnlySpan<byte> datagram, IPEndPoint? destination);
}
