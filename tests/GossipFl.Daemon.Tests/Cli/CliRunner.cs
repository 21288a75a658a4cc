using System.CommandLine;
using GossipFl.Daemon.Cli;

namespace GossipFl.Daemon.Tests.Cli;

/// <summary>Runs the gossipfl command tree in-process with captured output.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await GossipFlCli.InvokeAsync(args, new InvocationConfiguration { Output = output, Error = error })
            .WaitAsync(TimeSpan.FromSeconds(60));
        return (exitCode, output.ToString(), error.ToString());
    }
}
