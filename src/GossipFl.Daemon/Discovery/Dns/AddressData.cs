using System.Net;
using System.Net.Sockets;

namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>A (4-byte) or AAAA (16-byte) rdata: one address of a host.</summary>
public sealed record AddressData : DnsRecordData
{
    public AddressData(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);

        // A scope id is local to this host and never part of the record.
        Address = address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0
            ? new IPAddress(address.GetAddressBytes())
            : address;
    }

    public IPAddress Address { get; }

    public override DnsRecordType Type =>
        Address.AddressFamily == AddressFamily.InterNetworkV6 ? DnsRecordType.Aaaa : DnsRecordType.A;
}
