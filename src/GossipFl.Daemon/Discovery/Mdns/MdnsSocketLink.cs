using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>
/// One UDP socket on port 5353 for one interface and address family (RFC 6762 §11): joined to the mDNS group on
/// that interface only, multicasting out of that interface only, TTL/hop limit 255, loopback on. Several
/// processes can share the port (ReuseAddress sets SO_REUSEADDR and SO_REUSEPORT on Linux).
/// </summary>
internal sealed class MdnsSocketLink : IMdnsLink, IDisposable
{
    private readonly IPEndPoint _group;

    private MdnsSocketLink(Socket socket, string interfaceName, int interfaceIndex, AddressFamily family, IReadOnlyList<IPAddress> addresses)
    {
        Socket = socket;
        InterfaceIndex = interfaceIndex;
        Family = family;
        InterfaceAddresses = addresses;
        Name = $"{interfaceName}/{(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")}";
        _group = family == AddressFamily.InterNetwork
            ? new IPEndPoint(MdnsConstants.GroupV4, MdnsConstants.Port)
            : new IPEndPoint(new IPAddress(MdnsConstants.GroupV6.GetAddressBytes(), interfaceIndex), MdnsConstants.Port);
    }

    public string Name { get; }

    public AddressFamily Family { get; }

    public IReadOnlyList<IPAddress> InterfaceAddresses { get; }

    public int InterfaceIndex { get; }

    public Socket Socket { get; }

    /// <summary>Creates and binds the socket in the calling thread's network namespace.</summary>
    public static MdnsSocketLink Open(NetworkInterface nic, AddressFamily family, int port = MdnsConstants.Port)
    {
        ArgumentNullException.ThrowIfNull(nic);
        var properties = nic.GetIPProperties();
        IReadOnlyList<IPAddress> addresses = [.. properties.UnicastAddresses.Select(a => a.Address)
            .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)];
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            int index;
            if (family == AddressFamily.InterNetwork)
            {
                index = properties.GetIPv4Properties().Index;
                var local = addresses.First(a => a.AddressFamily == AddressFamily.InterNetwork);
                socket.Bind(new IPEndPoint(IPAddress.Any, port));
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(MdnsConstants.GroupV4, local));
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, local.GetAddressBytes());
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
                socket.Ttl = 255;
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            }
            else
            {
                index = properties.GetIPv6Properties().Index;
                socket.DualMode = false;
                socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(MdnsConstants.GroupV6, index));
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, index);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
                // Socket.Ttl maps to IPV6_UNICAST_HOPS here; the IPv6-level HopLimit option is not available on Linux.
                socket.Ttl = 255;
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, true);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.PacketInformation, true);
            }

            return new MdnsSocketLink(socket, nic.Name, index, family, addresses);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint? destination) => Socket.SendTo(datagram, SocketFlags.None, destination ?? _group);

    public void Dispose() => Socket.Dispose();
}
