using System.Globalization;
using System.Net;
using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Tests.Discovery.Interop;
using GossipFl.Daemon.Tests.Netns;

namespace GossipFl.Daemon.Tests.Discovery;

/// <summary>
/// Real sockets on port 5353, multicast only inside a private bridge of network namespaces (TESTING.md). Records use
/// a 3 s TTL (HostRecordTtl = ServiceRecordTtl = 3 s instead of 120 s / 75 min) so a node killed without a goodbye
/// expires within the test.
/// </summary>
[Collection(GossipFl.Daemon.Tests.Node.TimedDaemonRuns.Name)]
public sealed class DiscoveryNamespaceTests
{
    private static readonly TimeSpan ShortTtl = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task EightNodes_OnOneBridge_FindEachOtherWithinThreeSeconds()
    {
        using var network = TestNetwork.Create(8);
        var services = new List<DiscoveryService>();
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            StartAll(network, services);
            var took = await NamespaceDiscovery.WaitUntilAsync(() => services.All(s => s.Peers.Count == 7), TimeSpan.FromSeconds(10));
            var elapsed = started.Elapsed;

            Assert.True(took is not null, Describe(services));
            Assert.True(elapsed < TimeSpan.FromSeconds(3), $"took {elapsed.TotalMilliseconds:F0} ms from the first start");
            Assert.True(services[0].Peers.TryGet("node-8", out var peer));
            Assert.Equal([IPAddress.Parse("10.77.0.8")], peer.Addresses);
            Assert.Equal(7008, peer.Port);
            Assert.Equal(1, peer.ProtocolVersion);
            Assert.Equal("sha256:node-8-key", peer.KeyFingerprint);
            Assert.All(services, s => Assert.Equal(0, s.Statistics.RejectedTotal));
            Assert.All(services, s => Assert.Equal(0, s.Statistics.Conflicts));
        }
        finally
        {
            await DisposeAllAsync(services);
        }
    }

    [Fact]
    public async Task NodeSayingGoodbye_DisappearsFromEveryTable_WithinOneSecond()
    {
        using var network = TestNetwork.Create(8);
        var services = new List<DiscoveryService>();
        try
        {
            StartAll(network, services);
            Assert.NotNull(await NamespaceDiscovery.WaitUntilAsync(() => services.All(s => s.Peers.Count == 7), TimeSpan.FromSeconds(10)));
            var downs = 0;
            foreach (var service in services.Take(7))
            {
                service.Peers.PeerDown += (_, e) => Interlocked.Increment(ref downs);
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            await services[7].DisposeAsync();
            var took = await NamespaceDiscovery.WaitUntilAsync(() => services.Take(7).All(s => !s.Peers.TryGet("node-8", out _)), TimeSpan.FromSeconds(5));

            Assert.NotNull(took);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed.TotalMilliseconds:F0} ms");
            Assert.Equal(7, Volatile.Read(ref downs));
            Assert.All(services.Take(7), s => Assert.Equal(6, s.Peers.Count));
        }
        finally
        {
            await DisposeAllAsync(services);
        }
    }

    [Fact]
    public async Task NodeKilledWithoutGoodbye_DisappearsWhenItsThreeSecondRecordsExpire()
    {
        using var network = TestNetwork.Create(8);
        var services = new List<DiscoveryService>();
        try
        {
            StartAll(network, services);
            Assert.NotNull(await NamespaceDiscovery.WaitUntilAsync(() => services.All(s => s.Peers.Count == 7), TimeSpan.FromSeconds(10)));

            // Live peers with 3 s records stay through several lifetimes (refresh queries at 80-95% keep them). On a
            // machine loaded enough to delay a refresh past the record's end (a CI run once lost 2 of 7 this way) the
            // record lapses and comes back with the next answer, so the check allows one lifetime to regain them.
            await Task.Delay(TimeSpan.FromSeconds(4));
            Assert.True(await NamespaceDiscovery.WaitUntilAsync(() => services.All(s => s.Peers.Count == 7), ShortTtl) is not null, Describe(services));

            var clock = System.Diagnostics.Stopwatch.StartNew();
            await services[7].AbortAsync();
            var took = await NamespaceDiscovery.WaitUntilAsync(() => services.Take(7).All(s => !s.Peers.TryGet("node-8", out _)), TimeSpan.FromSeconds(10));

            Assert.True(took is not null, Describe(services));

            // Gone no earlier than a refresh cycle could confirm, and no later than one TTL after its last answer.
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), ShortTtl + TimeSpan.FromSeconds(0.5));
            Assert.All(services.Take(7), s => Assert.Equal(6, s.Peers.Count));
        }
        finally
        {
            await DisposeAllAsync(services);
        }
    }

    [Fact]
    public async Task ThreeNodes_OnOneHost_ShareUdp5353_AndFindEachOther()
    {
        // Many daemons on one machine (scripts/simulate.sh): every node binds 5353 and hears the others through
        // multicast loopback; only each node's own packets are dropped as its own.
        using var network = TestNetwork.Create(1);
        var services = new List<DiscoveryService>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                services.Add(NamespaceDiscovery.Start(network.Hosts[0], NamespaceDiscovery.Options($"local-{i + 1}", 7001 + i, seed: i)));
            }

            var took = await NamespaceDiscovery.WaitUntilAsync(() => services.All(s => s.Peers.Count == 2), TimeSpan.FromSeconds(10));

            Assert.True(took is not null, Describe(services));
            Assert.True(services[0].Peers.TryGet("local-3", out var peer));
            Assert.Equal(7003, peer.Port);
            Assert.Equal([IPAddress.Parse("10.77.0.1")], peer.Addresses);
            Assert.All(services, s => Assert.True(s.Statistics.Own > 0));
        }
        finally
        {
            await DisposeAllAsync(services);
        }
    }

    [Fact]
    public async Task SecondNodeWithTakenName_IsRenamedWhileProbing_AndBothSeeEachOther()
    {
        using var network = TestNetwork.Create(2);
        var services = new List<DiscoveryService>();
        try
        {
            services.Add(NamespaceDiscovery.Start(network.Hosts[0], NamespaceDiscovery.Options("same", 7001)));
            Assert.NotNull(await NamespaceDiscovery.WaitUntilAsync(() => services[0].IsAnnounced, TimeSpan.FromSeconds(5)));
            services.Add(NamespaceDiscovery.Start(network.Hosts[1], NamespaceDiscovery.Options("same", 7002, seed: 2)));

            var took = await NamespaceDiscovery.WaitUntilAsync(() => services.All(s => s.Peers.Count == 1), TimeSpan.FromSeconds(10));

            Assert.True(took is not null, Describe(services));
            Assert.Equal("same", services[0].InstanceName);
            Assert.Equal("same (2)", services[1].InstanceName);
            Assert.True(services[0].Peers.TryGet("same (2)", out var renamed));
            Assert.Equal(7002, renamed.Port);
            Assert.Equal("same", renamed.NodeName);
            Assert.Equal(1, services[1].Statistics.Conflicts);
        }
        finally
        {
            await DisposeAllAsync(services);
        }
    }

    [Fact]
    public async Task TwoNodes_OverIPv6Only_FindEachOtherByLinkLocalAddress()
    {
        using var network = TestNetwork.Create(2, ipv6: true);
        var services = new List<DiscoveryService>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                await NamespaceDiscovery.WaitForIPv6LinkLocalAsync(network.Hosts[i]);
                var options = NamespaceDiscovery.Options($"v6-{i + 1}", 7100 + i, seed: i);
                options.UseIPv4 = false;
                services.Add(NamespaceDiscovery.Start(network.Hosts[i], options));
            }

            var took = await NamespaceDiscovery.WaitUntilAsync(() => services.All(s => s.Peers.Count == 1), TimeSpan.FromSeconds(10));

            Assert.True(took is not null, Describe(services));
            Assert.Equal(["gl0/IPv6"], services[0].Links);
            Assert.True(services[0].Peers.TryGet("v6-2", out var peer));
            var index = network.Hosts[0].InNamespace(() => System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
                .Single(n => n.Name == TestHost.InterfaceName).GetIPProperties().GetIPv6Properties().Index);
            var local = Assert.Single(peer.Addresses, a => a.IsIPv6LinkLocal);

            // The scope is the interface the answer came in on, so the address can be used as it is.
            Assert.Equal(index, local.ScopeId);
            Assert.Equal(7101, peer.Port);
        }
        finally
        {
            await DisposeAllAsync(services);
        }
    }

    [Fact]
    public async Task TwoNodes_DualStack_UseOneLinkPerFamily_AndReportBothAddresses()
    {
        using var network = TestNetwork.Create(2, ipv6: true);
        var services = new List<DiscoveryService>();
        try
        {
            await NamespaceDiscovery.WaitForIPv6LinkLocalAsync(network.Hosts[0]);
            await NamespaceDiscovery.WaitForIPv6LinkLocalAsync(network.Hosts[1]);
            services.Add(NamespaceDiscovery.Start(network.Hosts[0], NamespaceDiscovery.Options("dual-1", 7001)));
            services.Add(NamespaceDiscovery.Start(network.Hosts[1], NamespaceDiscovery.Options("dual-2", 7002, seed: 2)));

            // Both families answer; wait until the peer has an address of each.
            var took = await NamespaceDiscovery.WaitUntilAsync(
                () => services[0].Peers.TryGet("dual-2", out var p) && p.Addresses.Count == 2, TimeSpan.FromSeconds(10));

            Assert.True(took is not null, Describe(services));
            Assert.Equal(["gl0/IPv4", "gl0/IPv6"], services[0].Links);
            Assert.True(services[0].Peers.TryGet("dual-2", out var peer));
            Assert.Contains(IPAddress.Parse("10.77.0.2"), peer.Addresses);
            Assert.Contains(peer.Addresses, a => a.IsIPv6LinkLocal);
            Assert.Equal(0, services[0].Statistics.Conflicts);
            Assert.Equal(0, services[1].Statistics.Conflicts);
        }
        finally
        {
            await DisposeAllAsync(services);
        }
    }

    [Fact]
    public async Task Start_WithoutNamedInterfaces_UsesEveryMulticastInterfaceButLoopback()
    {
        using var network = TestNetwork.Create(2);
        var services = new List<DiscoveryService>();
        try
        {
            // The namespaces hold only lo and gl0, so the default selection is observable and stays inside them.
            for (var i = 0; i < 2; i++)
            {
                var options = NamespaceDiscovery.Options($"default-{i + 1}", 7001 + i, seed: i);
                options.Interfaces.Clear();
                services.Add(NamespaceDiscovery.Start(network.Hosts[i], options));
            }

            Assert.All(services, s => Assert.Equal(["gl0/IPv4"], s.Links));
            Assert.NotNull(await NamespaceDiscovery.WaitUntilAsync(() => services.All(s => s.Peers.Count == 1), TimeSpan.FromSeconds(10)));
        }
        finally
        {
            await DisposeAllAsync(services);
        }
    }

    [Fact]
    public void Start_WithUnknownInterface_FailsNamingTheInterfacesThatExist()
    {
        using var network = TestNetwork.Create(1);
        var options = NamespaceDiscovery.Options("x", 7000);
        options.Interfaces.Clear();
        options.Interfaces.Add("nosuch0");

        var failure = Assert.Throws<InvalidOperationException>(() => NamespaceDiscovery.Start(network.Hosts[0], options));

        var inner = Assert.IsType<ArgumentException>(failure.InnerException);
        Assert.Contains("nosuch0", inner.Message, StringComparison.Ordinal);
        Assert.Contains("gl0", inner.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaticPeers_WithMulticastOff_FillThePeerTableAndSendNothing()
    {
        var options = new DiscoveryOptions { NodeName = "solo", TransportPort = 7000, EnableMulticast = false };
        options.StaticPeers.Add("192.0.2.10:7001");
        options.StaticPeers.Add("[2001:db8::1]:7002");
        options.StaticPeers.Add("localhost:7003");
        var service = new DiscoveryService(options);
        await using (service)
        {
            service.Start();

            Assert.Empty(service.Links);
            Assert.Equal(3, service.Peers.Count);
            Assert.True(service.Peers.TryGet("localhost:7003", out var named));
            Assert.Contains(named.Addresses, IPAddress.IsLoopback);
            Assert.True(service.Peers.TryGet("192.0.2.10:7001", out var peer));
            Assert.Equal(PeerSource.Static, peer.Source);
            Assert.Null(peer.Expires);
            Assert.Equal(0, service.Statistics.Sent);
        }
    }

    private static void StartAll(TestNetwork network, List<DiscoveryService> services)
    {
        for (var i = 0; i < network.Hosts.Count; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"node-{i + 1}");
            services.Add(NamespaceDiscovery.Start(network.Hosts[i], NamespaceDiscovery.Options(name, 7001 + i, ShortTtl, seed: i)));
        }
    }

    private static async Task DisposeAllAsync(List<DiscoveryService> services)
    {
        foreach (var service in services)
        {
            await service.DisposeAsync();
        }
    }

    private static string Describe(List<DiscoveryService> services) => string.Join('\n', services.Select(s =>
        $"{s.InstanceName}: peers [{string.Join(", ", s.Peers.Snapshot().Select(p => p.InstanceName))}], received {s.Statistics.Received}, accepted {s.Statistics.Accepted}, own {s.Statistics.Own}, rejected {s.Statistics.RejectedTotal}, sent {s.Statistics.Sent}, send failures {s.Statistics.SendFailures}"));
}
