using System.Diagnostics;

namespace GossipFl.Daemon.Tests.Cli;

/// <summary>Runs the built `gossipfl` executable as a user would, with a bounded wait.</summary>
internal static class GossipFlProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "gossipfl.dll");

    public static Result Run(TimeSpan deadline, IDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Plain output: no colours or live widgets in captured text.
        start.Environment["NO_COLOR"] = "1";
        start.Environment["TERM"] = "dumb";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(deadline))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"gossipfl {string.Join(' ', arguments)} did not finish within {deadline}");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Run(params string[] arguments) => Run(TimeSpan.FromMinutes(2), null, arguments);

    internal sealed record Result(int ExitCode, string Output, string Error);
}
