using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GossipFl.Daemon.Tests.Cli;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// Several `gossipfl start` processes on loopback for one test, with static addresses (no mDNS: loopback has no
/// multicast to offer). Every process is killed by PID on dispose, and the run directory removed.
/// </summary>
internal sealed class DaemonProcesses : IDisposable
{
    private readonly List<(string Node, Process Process)> _processes = [];

    public DaemonProcesses(int count)
    {
        Directory.CreateDirectory(Root);
        Ports = Enumerable.Range(0, count).Select(_ => FreeUdpPort()).ToArray();
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "gossipfl-daemons-" + Guid.NewGuid().ToString("N"));

    public IReadOnlyList<int> Ports { get; }

    public string DataDirectory(string node) => Path.Combine(Root, "data", node);

    public void Start(string topologyFile, string node, params string[] extra)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[GossipFlProcess.Dll, "start", "--topology", topologyFile, "--node", node, "--no-mdns",
                     "--data-dir", DataDirectory(node), "--status-port", "-1", "--threads", "1", .. extra])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var log = File.CreateText(Path.Combine(Root, node + ".log"));
        log.AutoFlush = true;
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add((node, process));
    }

    /// <summary>Waits for every process to exit and returns their exit codes; fails with the logs on timeout.</summary>
    public async Task<Dictionary<string, int>> WaitAllAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            foreach (var (_, process) in _processes)
            {
                await process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"daemons did not finish within {deadline}:\n{Logs()}");
        }

        return _processes.ToDictionary(p => p.Node, p => p.Process.ExitCode);
    }

    public string Logs() => string.Join("\n", _processes.Select(p =>
    {
        var file = Path.Combine(Root, p.Node + ".log");
        return $"--- {p.Node}\n" + (File.Exists(file) ? string.Join("\n", File.ReadLines(file).TakeLast(15)) : "(no log)");
    }));

    public void Dispose()
    {
        foreach (var (_, process) in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }

            process.Dispose();
        }

        Directory.Delete(Root, recursive: true);
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
