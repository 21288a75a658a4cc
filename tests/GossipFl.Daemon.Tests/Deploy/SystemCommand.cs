using System.Diagnostics;

namespace GossipFl.Daemon.Tests.Deploy;

/// <summary>Runs a command of the machine (apt-get, lintian, ansible-playbook, ...) with a bounded wait.</summary>
internal static class SystemCommand
{
    internal sealed record Result(int ExitCode, string Output, string Error)
    {
        public string Text => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    public static Result Run(TimeSpan deadline, string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(deadline))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish within {deadline}:\n{stdout.Result}\n{stderr.Result}");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Run(string file, params string[] arguments) => Run(TimeSpan.FromMinutes(1), file, arguments);

    /// <summary>Runs a command that must succeed; fails the test with its output otherwise.</summary>
    public static string Check(TimeSpan deadline, string file, params string[] arguments)
    {
        var result = Run(deadline, file, arguments);
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', arguments)} failed: {result.Text}");
        return result.Output;
    }

    /// <summary>
    /// Fails (never skips: CI must not pass with a test that did not run) when a tool is missing, naming the
    /// Debian package that brings it; scripts/test.sh installs them all.
    /// </summary>
    public static void Require(string path, string package)
    {
        Assert.True(Environment.IsPrivilegedProcess, "The deployment tests install a package and use network namespaces: run them as root (CI does; scripts/test.sh as root or with sudo).");
        Assert.True(File.Exists(path), $"{path} is missing: install the Debian package {package} (scripts/test.sh installs every test tool)");
    }
}
