using System.Diagnostics;
using System.Text.Json;

namespace GossipFl.Learning.Tests.Torch;

/// <summary>
/// Runs Reference/torch_reference.py with Debian's python3-torch, the independent implementation the engine
/// is checked against. Missing Python or torch is a failure that names scripts/setup.sh, never a skip.
/// </summary>
internal static class PyTorchReference
{
    public const string Python = "/usr/bin/python3";

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    public static JsonDocument Run(string command, string argument)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: run scripts/setup.sh (installs python3-torch).");
        var script = Path.Combine(AppContext.BaseDirectory, "Reference", "torch_reference.py");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Deadline))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"torch_reference.py {command} did not finish within {Deadline}.");
        }

        Assert.True(
            process.ExitCode == 0,
            $"torch_reference.py {command} exited with {process.ExitCode} (is python3-torch installed? run scripts/setup.sh):\n{stderr.Result}");
        return JsonDocument.Parse(stdout.Result);
    }
}
