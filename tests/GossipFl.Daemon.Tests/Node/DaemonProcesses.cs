using System.Diagnostics;
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
        Ports = Enumerable.Range(0, count).Select(_ => LoopbackPorts.Reserve()).ToArray();
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "gossipfl-daemons-" + Guid.NewGuid().ToString("N"));

    public IReadOnlyList<int> Ports { get; }

    public string DataDirectory(string node) => Path.Combine(Root, "data", node);

    public void Start(string topologyFile, string node, params string[] extra) => Start(null, topologyFile, node, extra);

    /// <summary>Starts a daemon, inside <paramref name="host"/>'s network namespace when one is given.</summary>
    public void Start(Netns.TestHost? host, string topologyFile, string node, params string[] extra)
    {
        var start = new ProcessStartInfo(host is null ? "dotnet" : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] prefix = host is null ? [] : ["netns", "exec", host.Namespace, "dotnet"];
        string[] status = extra.Contains("--status-port") ? [] : ["--status-port", "-1"];
        foreach (var argument in (string[])[.. prefix, GossipFlProcess.Dll, "start", "--topology", topologyFile, "--node", node, "--no-mdns",
                     "--data-dir", DataDirectory(node), .. status, "--threads", "1", .. extra])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var log = new StreamWriter(new FileStream(Path.Combine(Root, node + ".log"), FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
        log.AutoFlush = true;
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add((node, process));
    }

    /// <summary>Kills one daemon at once (SIGKILL: no goodbye, no final checkpoint), as a crash would.</summary>
    public void Kill(string node)
    {
        var process = _processes.Last(p => p.Node == node).Process;
        Assert.False(process.HasExited, $"{node} had already exited (code {(process.HasExited ? process.ExitCode : 0)}) before it could be killed:\n{Logs()}");
        process.Kill(entireProcessTree: true);
        process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <summary>Sends SIGTERM, as systemd or Ctrl-C would, and waits for the daemon to exit; returns its exit code.</summary>
    public int Terminate(string node)
    {
        var process = _processes.Single(p => p.Node == node && !p.Process.HasExited).Process;
        Assert.Equal(0, Kill(process.Id, 15));
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), $"{node} did not exit within 30 s of SIGTERM");
        return process.ExitCode;
    }

    /// <summary>Freezes one daemon (SIGSTOP), as a machine that stalls would: its peers hear nothing and it acknowledges nothing.</summary>
    public void Pause(string node) => Assert.Equal(0, Kill(_processes.Last(p => p.Node == node).Process.Id, 19));

    /// <summary>Lets a daemon frozen by <see cref="Pause"/> go on (SIGCONT).</summary>
    public void Resume(string node) => Assert.Equal(0, Kill(_processes.Last(p => p.Node == node).Process.Id, 18));

    /// <summary>Lines of a daemon's log so far.</summary>
    public string[] Log(string node)
    {
        var file = Path.Combine(Root, node + ".log");
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }

    /// <summary>Waits until a daemon's log has a line containing <paramref name="text"/>.</summary>
    public async Task WaitForLogAsync(string node, string text, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (DateTime.UtcNow < until)
        {
            if (Log(node).Any(line => line.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{node} never logged '{text}' within {deadline}:\n{Logs()}");
    }

    /// <summary>Waits for one daemon to exit and returns its exit code; fails with the logs on timeout.</summary>
    public async Task<int> WaitForExitAsync(string node, TimeSpan deadline)
    {
        var process = _processes.Last(p => p.Node == node).Process;
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{node} did not finish within {deadline}:\n{Logs()}");
        }

        return process.ExitCode;
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

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

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
}
