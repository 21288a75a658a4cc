using System.Diagnostics;
using GossipFl.Daemon.Tests.Netns;
using GossipFl.Daemon.Tests.Node;

namespace GossipFl.Daemon.Tests.Deploy;

/// <summary>
/// The Debian package as an operator meets it: lintian finds no error, apt-get installs it with its dependencies,
/// systemd accepts the unit, two nodes on two hosts (network namespaces) train together from /usr/bin/gossipfl as
/// the unit would run them (its ExecStart, as the service user, no .NET anywhere on their PATH, a topology from
/// /usr/share/gossipfl) and stop cleanly on SIGTERM, and apt-get purge leaves nothing of the package behind.
/// </summary>
[Collection(DeploymentRuns.Name)]
public sealed class PackageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gossipfl-package-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<Process, Task<string>> _daemons = [];

    [Fact]
    public async Task Package_InstalledWithApt_RunsTwoNodesWithoutDotnet_AndPurgesCleanly()
    {
        SystemCommand.Require("/usr/bin/lintian", "lintian");
        SystemCommand.Require("/usr/bin/systemd-analyze", "systemd");
        SystemCommand.Require("/usr/bin/setpriv", "util-linux");
        var deb = InstalledPackage.Deb();

        var lintian = SystemCommand.Run(TimeSpan.FromMinutes(3), "lintian", [deb]);
        var errors = lintian.Output.Split('\n').Where(line => line.StartsWith("E:", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 0, "lintian errors:\n" + string.Join('\n', errors));

        InstalledPackage.Install(deb);
        try
        {
            var files = SystemCommand.Check(TimeSpan.FromSeconds(30), "dpkg", "-L", "gossipfl").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var ownFiles = files.Where(f => File.Exists(f) || (Directory.Exists(f) && IsOwnDirectory(f))).ToArray();
            AssertSelfContained();
            AssertUnitVerifies();
            Assert.Contains(InstalledPackage.Unit, files);
            Assert.Contains("/etc/gossipfl/example.json", files);

            var nodes = await RunTwoNodesAsync();
            AssertInstalledLoaderReadsTheModel(Path.Combine(nodes[0], "final.safetensors"));

            InstalledPackage.Purge();
            Assert.False(InstalledPackage.IsInstalled);
            var left = ownFiles.Where(f => File.Exists(f) || Directory.Exists(f)).ToArray();
            Assert.True(left.Length == 0, "left behind by apt-get purge:\n" + string.Join('\n', left));
            Assert.False(Directory.Exists("/etc/gossipfl"), "/etc/gossipfl survived the purge");
            Assert.NotEqual(0, SystemCommand.Run("id", "gossipfl").ExitCode);
            foreach (var dataDirectory in nodes)
            {
                // The nodes' state is theirs, not the package's: it stays.
                Assert.True(File.Exists(Path.Combine(dataDirectory, "identity.key")), $"purge removed {dataDirectory}");
            }
        }
        finally
        {
            StopDaemons();
            InstalledPackage.Purge();
        }
    }

    public void Dispose()
    {
        StopDaemons();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    // Directories only this package puts files in (not /usr/bin, /etc, ...).
    private static bool IsOwnDirectory(string path) =>
        path.Contains("gossipfl", StringComparison.Ordinal);

    private static void AssertSelfContained()
    {
        // The launcher is the .NET app host itself (an ELF program, not a script that could call dotnet), and every
        // shared object of the package finds what it links against on this machine.
        Assert.Equal("../lib/gossipfl/gossipfl", new FileInfo(InstalledPackage.Executable).LinkTarget);
        var header = new byte[4];
        using (var stream = File.OpenRead(InstalledPackage.Executable))
        {
            stream.ReadExactly(header);
        }

        Assert.Equal("\u007fELF"u8.ToArray(), header);
        Assert.True(File.Exists(Path.Combine(InstalledPackage.LibraryDirectory, "libcoreclr.so")), "the package carries no .NET runtime");
        Assert.True(File.Exists(Path.Combine(InstalledPackage.LibraryDirectory, "libgossipfl_torch.so")), "the package carries no native shim");
        foreach (var binary in Directory.GetFiles(InstalledPackage.LibraryDirectory, "*.so").Append(Path.Combine(InstalledPackage.LibraryDirectory, "gossipfl")))
        {
            var ldd = SystemCommand.Run("ldd", binary);
            Assert.DoesNotContain("not found", ldd.Output, StringComparison.Ordinal);
        }
    }

    private static void AssertUnitVerifies()
    {
        // verify needs an instance of the template; it checks every directive and that ExecStart's program exists.
        var directory = Directory.CreateTempSubdirectory("gossipfl-unit-").FullName;
        try
        {
            File.Copy(InstalledPackage.Unit, Path.Combine(directory, "gossipfl@.service"));
            var verify = SystemCommand.Run(TimeSpan.FromMinutes(1), "systemd-analyze", ["verify", Path.Combine(directory, "gossipfl@alice.service")]);
            Assert.True(verify.ExitCode == 0 && verify.Error.Trim().Length == 0, "systemd-analyze verify: " + verify.Text);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// The PyTorch loader the package installs (docs/models.md) reads the model the packaged daemon wrote: the model
    /// it builds maps the contract's input shape to one output per class of the contract (own-data.yaml: 10).
    /// </summary>
    private static void AssertInstalledLoaderReadsTheModel(string model)
    {
        SystemCommand.Require("/usr/bin/python3", "python3");
        Assert.True(File.Exists(model), $"the node wrote no {model}");
        const string script = "import sys, torch, gossipfl_models as g; m = g.load(sys.argv[1]); "
            + "t = g.task(sys.argv[1]); print(m(torch.zeros(1, *t['input'])).shape[1], len(t['classes']))";
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(model);
        start.Environment["PYTHONPATH"] = "/usr/share/gossipfl/python";
        using var python = Process.Start(start) ?? throw new InvalidOperationException("could not start python3");
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEnd();
        Assert.True(python.WaitForExit(TimeSpan.FromMinutes(2)), "python3 did not finish loading the model");
        Assert.True(python.ExitCode == 0, "the installed gossipfl_models could not load the model: " + error);
        Assert.Equal("10 10", output.Result.Trim());
    }

    /// <summary>Runs alice and bob of the packaged own-data topology on two hosts; returns their data directories.</summary>
    private async Task<string[]> RunTwoNodesAsync()
    {
        const string topology = "/usr/share/gossipfl/topologies/own-data.yaml";
        Assert.True(File.Exists(topology), $"{topology} is not installed");
        Directory.CreateDirectory(_root);
        var data = OwnDataFiles.Write(Path.Combine(_root, "data"), 1200, 100, 3, OwnDataFiles.Format.CsvLabelFirst, OwnDataFiles.Format.CsvLabelFirst);
        using var network = TestNetwork.Create(2);
        string[] names = ["alice", "bob"];
        var configs = Path.Combine(_root, "etc");
        Directory.CreateDirectory(configs);
        for (var k = 0; k < 2; k++)
        {
            var other = network.Hosts[1 - k].Address;
            await File.WriteAllTextAsync(Path.Combine(configs, names[k] + ".json"), $$"""
                {
                  "Topology": "{{topology}}",
                  "Node": "{{names[k]}}",
                  "DataDir": "{{_root}}/state/{{names[k]}}",
                  "Data": "{{data[k].Directory}}",
                  "LabelColumn": "label",
                  "Port": 7070,
                  "Mdns": false,
                  "Peer": ["{{names[1 - k]}}@{{other}}:7070"],
                  "StatusPort": -1,
                  "Rounds": 3,
                  "LocalSteps": 5,
                  "Threads": 1
                }
                """);
        }

        InstalledPackage.GiveToServiceUser(_root);
        var logs = new string[2];
        var processes = new Process[2];
        for (var k = 0; k < 2; k++)
        {
            processes[k] = StartDaemon(network.Hosts[k], names[k], configs);
        }

        // While they run: the runtime mapped into a daemon is the package's own, never a dotnet installation.
        await Task.Delay(TimeSpan.FromSeconds(1));
        if (!processes[0].HasExited)
        {
            var maps = await File.ReadAllTextAsync($"/proc/{processes[0].Id}/maps");
            Assert.Contains("/usr/lib/gossipfl/libcoreclr.so", maps, StringComparison.Ordinal);
            Assert.DoesNotContain("/usr/share/dotnet", maps, StringComparison.Ordinal);
        }

        for (var k = 0; k < 2; k++)
        {
            logs[k] = await WaitAsync(processes[k], TimeSpan.FromMinutes(3));
            Assert.True(processes[k].ExitCode == 0, $"{names[k]} exited {processes[k].ExitCode}:\n{logs[k]}");
            Assert.Contains("finished all 3 rounds", logs[k], StringComparison.Ordinal);
        }

        // systemctl stop sends SIGTERM: the node stops at once, cleanly (exit 0), as Restart=on-failure expects.
        await File.WriteAllTextAsync(Path.Combine(configs, "alice.json"), (await File.ReadAllTextAsync(Path.Combine(configs, "alice.json"))).Replace("\"Rounds\": 3", "\"Rounds\": 1000", StringComparison.Ordinal));
        var running = StartDaemon(network.Hosts[0], "alice", configs);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(running.HasExited, "alice exited before SIGTERM");
        Assert.Equal(0, Kill(running.Id, 15));
        var stopped = await WaitAsync(running, TimeSpan.FromSeconds(60));
        Assert.True(running.ExitCode == 0, $"alice exited {running.ExitCode} on SIGTERM:\n{stopped}");

        return [.. names.Select(n => Path.Combine(_root, "state", n))];
    }

    private Process StartDaemon(TestHost host, string node, string configDirectory)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in InstalledPackage.AsService(host.Namespace, InstalledPackage.ExecStart(node, configDirectory)))
        {
            start.ArgumentList.Add(argument);
        }

        InstalledPackage.WithoutDotnet(start);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ip netns exec");
        // Read its output from the start, so a full pipe never stalls it.
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        _daemons.Add(process, Task.WhenAll(output, error).ContinueWith(t => string.Concat(t.Result), TaskScheduler.Default));
        return process;
    }

    private async Task<string> WaitAsync(Process process, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"a packaged daemon did not finish within {deadline}");
        }

        return await _daemons[process].WaitAsync(TimeSpan.FromSeconds(10));
    }

    private void StopDaemons()
    {
        foreach (var process in _daemons.Keys)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }

            process.Dispose();
        }

        _daemons.Clear();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
