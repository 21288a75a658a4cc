using System.Text.Json;
using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Tests.Discovery.Interop;
using GossipFl.Daemon.Tests.Netns;

namespace GossipFl.Daemon.Tests.Discovery;

/// <summary>
/// Interoperability with avahi, an independent mDNS / DNS-SD implementation, in both directions. avahi runs in
/// its own namespace host (private dbus, tmpfs /run) as TESTING.md describes; our nodes run in the others.
/// </summary>
public sealed class AvahiInteropTests
{
    [Fact]
    public async Task AvahiBrowse_ListsOurNodes_WithTheirPortAndTxt()
    {
        using var network = TestNetwork.Create(3);
        var services = new List<DiscoveryService>();
        try
        {
            services.Add(NamespaceDiscovery.Start(network.Hosts[0], NamespaceDiscovery.Options("alpha", 7001)));
            services.Add(NamespaceDiscovery.Start(network.Hosts[1], NamespaceDiscovery.Options("beta", 7002, seed: 2)));

            // Browse until both instances are resolved ("=" lines), at most 10 times.
            using var avahi = AvahiHost.Start(network.Hosts[2], """
                n=0
                while [ $n -lt 10 ]; do
                  timeout 10 avahi-browse -rpt _gossipfl._udp >$D/browse.txt 2>$D/browse.err
                  if grep -q '^=.*;alpha;' $D/browse.txt && grep -q '^=.*;beta;' $D/browse.txt; then break; fi
                  sleep 0.5; n=$((n+1))
                done
                sed 's/^/BROWSE /' $D/browse.txt
                """);
            await avahi.WaitForLineAsync("DONE", TimeSpan.FromSeconds(90));

            var resolved = avahi.Stdout.Split('\n').Where(l => l.StartsWith("BROWSE =;", StringComparison.Ordinal))
                .Select(l => l["BROWSE ".Length..].Split(';')).ToList();
            var alpha = resolved.FirstOrDefault(f => f[3] == "alpha");
            Assert.True(alpha is not null, avahi.Logs());

            // =;interface;protocol;name;type;domain;host;address;port;txt
            Assert.Equal("_gossipfl._udp", alpha[4]);
            Assert.Equal("local", alpha[5]);
            Assert.Equal("alpha.local", alpha[6]);
            Assert.Equal("10.77.0.1", alpha[7]);
            Assert.Equal("7001", alpha[8]);
            Assert.Contains("\"fp=sha256:alpha-key\"", alpha[9], StringComparison.Ordinal);
            Assert.Contains("\"v=1\"", alpha[9], StringComparison.Ordinal);
            Assert.Contains("\"txtvers=1\"", alpha[9], StringComparison.Ordinal);
            Assert.Contains("\"port=7001\"", alpha[9], StringComparison.Ordinal);
            Assert.Contains(resolved, f => f[3] == "beta" && f[8] == "7002" && f[7] == "10.77.0.2");

            // avahi's answers reached our nodes and none of them was malformed.
            Assert.All(services, s => Assert.Equal(0, s.Statistics.RejectedTotal));
            Assert.All(services, s => Assert.Equal(0, s.Statistics.Conflicts));
        }
        finally
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task OurNodeAndAvahi_OnTheSameHost_ShareUdp5353_AndSeeEachOther()
    {
        // A user's machine usually runs avahi already: both stacks bind port 5353 and hear each other's multicast.
        using var network = TestNetwork.Create(1);
        var service = NamespaceDiscovery.Start(network.Hosts[0], NamespaceDiscovery.Options("local-node", 7001));
        await using (service)
        {
            using var avahi = AvahiHost.Start(network.Hosts[0], """
                avahi-publish -s "avahi neighbour" _gossipfl._udp 7200 v=1 node=avahi-neighbour >$D/publish.log 2>&1 &
                PUB=$!
                n=0
                while [ $n -lt 10 ]; do
                  timeout 10 avahi-browse -rpt _gossipfl._udp >$D/browse.txt 2>$D/browse.err
                  if grep -q '^=.*;local-node;' $D/browse.txt; then break; fi
                  sleep 0.5; n=$((n+1))
                done
                sed 's/^/BROWSE /' $D/browse.txt
                echo BROWSED
                n=0; while [ ! -e $D/stop ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
                kill $PUB; wait $PUB
                """);
            await avahi.WaitForLineAsync("BROWSED", TimeSpan.FromSeconds(90));
            var seen = await NamespaceDiscovery.WaitUntilAsync(() => service.Peers.TryGet("avahi neighbour", out _), TimeSpan.FromSeconds(10));

            Assert.Contains(avahi.Stdout.Split('\n'), l => l.StartsWith("BROWSE =;", StringComparison.Ordinal) &&
                l.Contains(";local-node;_gossipfl._udp;local;local-node.local;10.77.0.1;7001;", StringComparison.Ordinal));
            Assert.True(seen is not null, avahi.Logs());
            Assert.True(service.Peers.TryGet("avahi neighbour", out var neighbour));
            Assert.Equal(7200, neighbour.Port);
            Assert.Equal("avahi-neighbour", neighbour.NodeName);
            Assert.Equal(0, service.Statistics.Conflicts);
        }
    }

    [Fact]
    public async Task PeersCommand_ListsAServicePublishedByAvahiPublish()
    {
        using var network = TestNetwork.Create(2);
        using var avahi = AvahiHost.Start(network.Hosts[1], """
            avahi-publish -s "avahi peer" _gossipfl._udp 7100 txtvers=1 v=1 node=avahi-peer fp=sha256:feedface port=7100 >$D/publish.log 2>&1 &
            PUB=$!
            echo PUBLISHING
            n=0; while [ ! -e $D/stop ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
            kill $PUB; wait $PUB
            """);
        await avahi.WaitForLineAsync("PUBLISHING", TimeSpan.FromSeconds(30));

        var output = TestNetwork.Run(network.Hosts[0].Namespace, RequiredTool.DotnetHost,
            RequiredTool.GossipFlDll, "peers", "--interface", TestHost.InterfaceName, "--timeout", "4", "--json");

        using var json = JsonDocument.Parse(output);
        var peers = json.RootElement.GetProperty("peers").EnumerateArray().ToList();
        var peer = peers.FirstOrDefault(p => p.GetProperty("instance").GetString() == "avahi peer");
        Assert.True(peer.ValueKind == JsonValueKind.Object, $"{output}\n{avahi.Logs()}");
        Assert.Equal("avahi-peer", peer.GetProperty("node").GetString());
        Assert.Equal(7100, peer.GetProperty("port").GetInt32());
        Assert.Equal(1, peer.GetProperty("protocolVersion").GetInt32());
        Assert.Equal("sha256:feedface", peer.GetProperty("fingerprint").GetString());
        Assert.Equal(["10.77.0.2"], peer.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("mdns", peer.GetProperty("source").GetString());
        Assert.InRange(peer.GetProperty("ttlSeconds").GetInt32(), 1, 4500);
        Assert.Equal(0, json.RootElement.GetProperty("statistics").GetProperty("rejected").GetInt64());
    }
}
