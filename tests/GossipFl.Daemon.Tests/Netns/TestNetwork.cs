using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace GossipFl.Daemon.Tests.Netns;

/// <summary>
/// A private LAN of network namespaces for one test (shared/design/TESTING.md): a hub namespace holding a
/// bridge, and one namespace per host joined to it by a veth pair, addressed 10.77.0.1, 10.77.0.2, ...
/// Names are unique per instance, so tests can run in parallel; Dispose deletes every namespace it made.
/// Traffic never leaves these namespaces. Needs root: without it, creation fails loudly (never a skip).
/// </summary>
internal sealed class TestNetwork : IDisposable
{
    private readonly List<string> _namespaces = [];

    private TestNetwork(string id)
    {
        Id = id;
    }

    /// <summary>Short unique tag in every name this network creates.</summary>
    public string Id { get; }

    public IReadOnlyList<TestHost> Hosts { get; private set; } = [];

    public string HubNamespace => $"gf{Id}hub";

    public static TestNetwork Create(int hostCount, bool ipv6 = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hostCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostCount, 200);
        Assert.True(
            Environment.IsPrivilegedProcess,
            "Network-namespace tests need root (CI runs as root). Run scripts/test.sh as root or with sudo.");
        var network = new TestNetwork(Guid.NewGuid().ToString("N")[..6]);
        try
        {
            network.Build(hostCount, ipv6);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command to completion inside a namespace; throws with its output if it fails.</summary>
    public static string Run(string? netns, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(netns is null ? file : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (netns is not null)
        {
            foreach (var part in (string[])["netns", "exec", netns, file])
            {
                start.ArgumentList.Add(part);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within 30 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} (netns {netns ?? "-"}) exited {process.ExitCode}: {stderr.Result.Trim()}");
        }

        return stdout.Result;
    }

    public void Dispose()
    {
        // Deleting a namespace destroys its end of every veth pair, so the hub's ends go with the hosts.
        for (var i = _namespaces.Count - 1; i >= 0; i--)
        {
            try
            {
                Run(null, "ip", "netns", "del", _namespaces[i]);
            }
            catch (InvalidOperationException ex)
            {
                // Keep tearing down the rest; report what could not be removed.
                Console.Error.WriteLine($"TestNetwork: {ex.Message}");
            }
        }

        _namespaces.Clear();
    }

    private void Build(int hostCount, bool ipv6)
    {
        AddNamespace(HubNamespace);
        Run(HubNamespace, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
        Run(null, "ip", "-n", HubNamespace, "link", "add", "br0", "type", "bridge");
        Run(null, "ip", "-n", HubNamespace, "link", "set", "br0", "up");
        var hosts = new List<TestHost>();
        for (var k = 1; k <= hostCount; k++)
        {
            var name = $"gf{Id}h{k}";
            AddNamespace(name);
            Run(name, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            if (!ipv6)
            {
                Run(name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
            }

            Run(null, "ip", "-n", name, "link", "set", "lo", "up");
            var hubEnd = string.Create(CultureInfo.InvariantCulture, $"h{k}");
            Run(null, "ip", "-n", HubNamespace, "link", "add", hubEnd, "type", "veth", "peer", "name", TestHost.InterfaceName, "netns", name);
            Run(null, "ip", "-n", HubNamespace, "link", "set", hubEnd, "master", "br0", "up");
            var address = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.77.0.{k}"));
            Run(null, "ip", "-n", name, "addr", "add", $"{address}/24", "dev", TestHost.InterfaceName);
            Run(null, "ip", "-n", name, "link", "set", TestHost.InterfaceName, "up");
            hosts.Add(new TestHost(name, address));
        }

        Hosts = hosts;
    }

    private void AddNamespace(string name)
    {
        Run(null, "ip", "netns", "add", name);
        _namespaces.Add(name);
    }
}
