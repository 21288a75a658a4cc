using System.Collections.Concurrent;
using System.Diagnostics;

namespace GossipFl.Daemon.Tests.Discovery.Interop;

/// <summary>
/// A process started by a test, with its output collected line by line so the test can wait for a marker.
/// Dispose stops it by PID (its whole tree) if it has not exited; nothing is ever killed by name.
/// </summary>
internal sealed class ToolProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    public ToolProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Add(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Add(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Stdout => string.Join('\n', _stdout);

    public string Stderr => string.Join('\n', _stderr);

    public int Id => _process.Id;

    /// <summary>Waits until a line containing <paramref name="marker"/> appears on stdout or stderr.</summary>
    public async Task WaitForLineAsync(string marker, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_stdout.Concat(_stderr).Any(l => l.Contains(marker, StringComparison.Ordinal)))
            {
                return;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"'{marker}' did not appear within {timeout.TotalSeconds} s (exited: {_process.HasExited}).\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);

        // Let the asynchronous readers drain the last lines.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private static void Add(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
        }
    }
}
