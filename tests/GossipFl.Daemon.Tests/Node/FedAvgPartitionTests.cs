using System.Diagnostics;
using System.Globalization;
using GossipFl.Daemon.Tests.Netns;
using Xunit.Abstractions;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// A real partition (nftables drops in each host's own namespace) between FedAvg daemons with a majority quorum:
/// the minority side, which holds the coordinator, is left with none and elects none; the majority elects its own;
/// after healing every peer follows that one, in the same term. Needs root (network namespaces); CI runs as root.
/// </summary>
[Collection(TimedDaemonRuns.Name)]
public sealed class FedAvgPartitionTests(ITestOutputHelper output)
{
    private const int Nodes = 5;
    private const int Port = 7400;

    private static readonly string[] Names = Enumerable.Range(0, Nodes).Select(i => $"host-{i}").ToArray();

    [Fact]
    public async Task WithAMajorityQuorum_TheMinorityElectsNobody_AndAfterHealingThereIsOneCoordinator()
    {
        using var network = TestNetwork.Create(Nodes);
        using var daemons = new DaemonProcesses(0);
        var topology = Path.Combine(daemons.Root, "partition.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(Names.Select((n, i) =>
            string.Create(CultureInfo.InvariantCulture,
                $"  - {{ name: {n}, trusts: [{string.Join(", ", Names.Where(m => m != n))}], address: \"{network.Hosts[i].Address}:{Port}\" }}\n"))));
        string[] training = ["--algorithm", "fedavg", "--model", "mlp:16", "--dataset", "synthetic", "--rounds", "100000", "--local-epochs", "1",
            "--client-fraction", "0.6", "--eval-every", "0", "--round-deadline", "5", "--peer-wait", "60", "--election-timeout", "1",
            "--quorum", "majority", "--port", Port.ToString(CultureInfo.InvariantCulture)];
        for (var i = 0; i < Nodes; i++)
        {
            daemons.Start(network.Hosts[i], topology, Names[i], training);
        }

        var first = await AgreedCoordinatorAsync(daemons, Names, TimeSpan.FromMinutes(3));
        var old = Array.IndexOf(Names, first.Coordinator);
        int[] minority = [old, (old + 1) % Nodes];
        var majority = Enumerable.Range(0, Nodes).Except(minority).ToArray();
        var minorityNames = minority.Select(i => Names[i]).ToArray();
        var majorityNames = majority.Select(i => Names[i]).ToArray();
        output.WriteLine($"coordinator {first.Coordinator} (term {first.Term}); cutting off {string.Join(", ", minorityNames)}");

        var electionsBefore = CoordinatorLog.Elections(daemons, minorityNames).Count;
        Partition(network, minority, majority);
        var during = await AgreedCoordinatorAsync(daemons, majorityNames, TimeSpan.FromSeconds(60), afterTerm: first.Term);
        Assert.Contains(during.Coordinator, majorityNames);
        Assert.True(during.Term > first.Term);

        // Long enough for the minority to time out several times over: it must stand for election and never win.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Equal(electionsBefore, CoordinatorLog.Elections(daemons, minorityNames).Count);
        foreach (var node in minorityNames)
        {
            var current = CoordinatorLog.Current(daemons, node);
            Assert.True(current is { Coordinator: null }, $"{node} believes in {current} while cut off from the quorum\n{daemons.Logs()}");
        }

        Heal(network);
        var healed = await AgreedCoordinatorAsync(daemons, Names, TimeSpan.FromSeconds(60), afterTerm: during.Term - 1);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var settled = await AgreedCoordinatorAsync(daemons, Names, TimeSpan.FromSeconds(30), afterTerm: healed.Term - 1);
        output.WriteLine($"during the partition: {during.Coordinator} (term {during.Term}); healed: {healed.Coordinator} (term {healed.Term}); settled: {settled.Coordinator} (term {settled.Term})");

        // Pre-vote kept the minority's term where it was: healing deposes nobody.
        Assert.Equal(during, healed);
        Assert.Equal(during, settled);

        foreach (var node in Names)
        {
            Assert.Equal(0, daemons.Terminate(node));
        }

        CoordinatorLog.AssertNeverTwoPerTerm(CoordinatorLog.Elections(daemons, Names));
        output.WriteLine(daemons.Logs());
    }

    /// <summary>Waits until every one of <paramref name="nodes"/> follows the same coordinator in the same term.</summary>
    private static async Task<(long Term, string Coordinator)> AgreedCoordinatorAsync(DaemonProcesses daemons, string[] nodes, TimeSpan limit, long afterTerm = 0)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            var views = nodes.Select(n => CoordinatorLog.Current(daemons, n)).ToArray();
            if (views.All(v => v is { Coordinator: not null } view && view.Term > afterTerm) && views.Distinct().Count() == 1)
            {
                return (views[0]!.Value.Term, views[0]!.Value.Coordinator!);
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{string.Join(", ", nodes)} did not agree on a coordinator within {limit}:\n{daemons.Logs()}");
        return default;
    }

    /// <summary>Each side's hosts drop everything from the other side, in their own namespaces: nothing crosses.</summary>
    private static void Partition(TestNetwork network, int[] minority, int[] majority)
    {
        foreach (var (side, other) in new[] { (minority, majority), (majority, minority) })
        {
            var sources = string.Join(", ", other.Select(i => network.Hosts[i].Address.ToString()));
            foreach (var i in side)
            {
                var ns = network.Hosts[i].Namespace;
                TestNetwork.Run(ns, "nft", "add", "table", "inet", "gfpartition");
                TestNetwork.Run(ns, "nft", "add", "chain", "inet", "gfpartition", "input", "{ type filter hook input priority 0; policy accept; }");
                TestNetwork.Run(ns, "nft", "add", "rule", "inet", "gfpartition", "input", "ip", "saddr", $"{{ {sources} }}", "drop");
            }
        }
    }

    private static void Heal(TestNetwork network)
    {
        foreach (var host in network.Hosts)
        {
            TestNetwork.Run(host.Namespace, "nft", "delete", "table", "inet", "gfpartition");
        }
    }
}
