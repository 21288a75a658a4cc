using System.CommandLine;
using GossipFl.Topology;
using GossipFl.Topology.Analysis;
using GossipFl.Topology.Files;

namespace GossipFl.Daemon.Cli.Topology;

/// <summary>
/// <c>gossipfl topology check FILE</c>: exit 0 when the file is usable, 1 with every problem listed (one per
/// line, <c>file:line:column: message</c>) when not. Warnings are printed but do not fail unless --strict.
/// </summary>
internal static class TopologyCheckCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The topology file to check." };
        var strict = new Option<bool>("--strict") { Description = "Treat warnings (e.g. not strongly connected) as problems." };
        var round = TopologyOptions.Round();
        var command = new Command("check", "Check a topology file: exit 0 when usable, non-zero with every problem listed.")
        {
            file, strict, round,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            return UserErrors.GuardAsync(error, () => Task.FromResult(Run(
                result.GetValue(file)!, result.GetValue(strict), result.GetValue(round), output, error)));
        });
        return command;
    }

    private static int Run(FileInfo file, bool strict, long round, TextWriter output, TextWriter error)
    {
        TopologyRounds.Validate(round);
        var path = file.ToString();
        TopologyDocument document;
        try
        {
            document = TopologyFileReader.Load(path);
        }
        catch (TopologyException ex)
        {
            foreach (var problem in ex.Problems)
            {
                error.WriteLine("error: " + problem.Format(ex.Path ?? path));
            }

            error.WriteLine($"{path}: not usable ({Plural(ex.Problems.Count, "problem")})");
            return UserErrors.ExitFailure;
        }

        var check = TopologyCheck.Run(document, round);
        foreach (var problem in check.Errors)
        {
            error.WriteLine("error: " + problem.Format(path));
        }

        foreach (var warning in check.Warnings)
        {
            error.WriteLine("warning: " + warning.Format(path));
        }

        var failed = !check.IsUsable || (strict && check.Warnings.Count > 0);
        if (failed)
        {
            var count = check.Errors.Count + (strict ? check.Warnings.Count : 0);
            error.WriteLine($"{path}: not usable ({Plural(count, "problem")})");
            return UserErrors.ExitFailure;
        }

        var report = check.Report;
        output.WriteLine($"{path}: ok: {Plural(report.NodeCount, "node")}, {Plural(report.EdgeCount, "trust relation")}, "
            + $"{(report.IsSymmetric ? "symmetric" : "directed")}, "
            + (report.IsStronglyConnected ? "strongly connected" : $"{report.Components.Count} strongly connected components")
            + (document.IsTimeVarying ? $", time-varying (round {round} checked)" : "")
            + (check.Warnings.Count > 0 ? $", {Plural(check.Warnings.Count, "warning")}" : ""));
        return 0;
    }

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
