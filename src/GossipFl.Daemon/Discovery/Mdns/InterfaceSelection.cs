using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>Chooses the interfaces discovery multicasts on (never anything it was not given or allowed).</summary>
internal static class InterfaceSelection
{
    /// <summary>
    /// The named interfaces (each must exist), or by default every interface that is up, multicast-capable and
    /// not loopback. Interfaces in state "unknown" count as up: virtual links (veth seen from another namespace,
    /// tun) report it while passing traffic.
    /// </summary>
    public static IReadOnlyList<(NetworkInterface Interface, AddressFamily Family)> Select(IEnumerable<string> names, bool ipv4, bool ipv6)
    {
        var all = NetworkInterface.GetAllNetworkInterfaces();
        var wanted = names.ToList();
        List<NetworkInterface> chosen;
        if (wanted.Count > 0)
        {
            chosen = [];
            foreach (var name in wanted)
            {
                chosen.Add(all.FirstOrDefault(n => n.Name == name) ?? throw new ArgumentException(
                    $"no network interface named '{name}' (have: {string.Join(", ", all.Select(n => n.Name))})", nameof(names)));
            }
        }
        else
        {
            chosen = [.. all.Where(n => n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown &&
                n.SupportsMulticast && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)];
        }

        var result = new List<(NetworkInterface, AddressFamily)>();
        foreach (var nic in chosen)
        {
            var addresses = nic.GetIPProperties().UnicastAddresses.Select(a => a.Address.AddressFamily).ToHashSet();
            if (ipv4 && addresses.Contains(AddressFamily.InterNetwork))
            {
                result.Add((nic, AddressFamily.InterNetwork));
            }

            if (ipv6 && addresses.Contains(AddressFamily.InterNetworkV6))
            {
                result.Add((nic, AddressFamily.InterNetworkV6));
            }
        }

        return result;
    }
}
