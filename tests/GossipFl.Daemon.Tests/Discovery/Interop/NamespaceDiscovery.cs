using System.Diagnostics;
using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Tests.Netns;

namespace GossipFl.Daemon.Tests.Discovery.Interop;

/// <summary>Runs discovery services inside namespace hosts and waits on their peer tables.</summary>
internal static class NamespaceDiscovery
{
    public static DiscoveryOptions Options(string nodeName, int port, TimeSpan? ttl = null, int seed = 1)
    {
        var options = new DiscoveryOptions
        {
            NodeName = nodeName,
            TransportPort = port,
            KeyFingerprint = $"sha256:{nodeName}-key",
            RandomSeed = seed,
        };
        options.Interfaces.Add(TestHost.InterfaceName);
        if (ttl is { } t)
        {
            options.HostRecordTtl = t;
            options.ServiceRecordTtl = t;
        }

        return options;
    }

    /// <summary>Creates and starts the service on a thread inside <paramref name="host"/>'s namespace, so its
    /// sockets and interface lookups belong to that host.</summary>
    public static DiscoveryService Start(TestHost host, DiscoveryOptions options) =>
        host.InNamespace(() =>
        {
            var service = new DiscoveryService(options);
            service.Start();
            return service;
        });

    /// <summary>
    /// Waits until the host's gl0 has its IPv6 link-local address: the kernel assigns it asynchronously after the
    /// link comes up, and discovery reads addresses once at start.
    /// </summary>
    public static async Task WaitForIPv6LinkLocalAsync(TestHost host)
    {
        var ready = await WaitUntilAsync(
            () => TestNetwork.Run(host.Namespace, "ip", "-6", "addr", "show", "dev", TestHost.InterfaceName, "scope", "link")
                .Contains("inet6 fe80", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));
        Assert.True(ready is not null, $"{host.Namespace} got no IPv6 link-local address on {TestHost.InterfaceName} within 10 s");
    }

    /// <summary>Polls <paramref name="condition"/> every 10 ms; returns how long it took, or null at the limit.</summary>
    public static async Task<TimeSpan?> WaitUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (condition())
            {
                return clock.Elapsed;
            }

            await Task.Delay(10);
        }

        return condition() ? clock.Elapsed : null;
    }
}
