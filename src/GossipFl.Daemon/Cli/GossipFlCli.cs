using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text.RegularExpressions;

namespace GossipFl.Daemon.Cli;

/// <summary>The whole `gossipfl` command tree, shared by the executable and the in-process CLI tests.</summary>
internal static partial class GossipFlCli
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("GossipFl: serverless federated learning over one-way-trust peer topologies.");
        root.Subcommands.Add(StartCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(AverageCommand.Create());
        root.Subcommands.Add(TopologyCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(WatchCommand.Create());
        root.Subcommands.Add(PeersCommand.Create());
        root.Subcommands.Add(IdentityCommand.Create());
        root.Subcommands.Add(PrivacyCommand.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs a command line. A command line that does not parse gets one <c>error:</c> line per problem and a
    /// pointer to the command's help, as every other refused input does, instead of System.CommandLine's default of the
    /// whole help text after a message naming .NET types (<c>System.Nullable`1[System.Double]</c>).
    /// </summary>
    public static Task<int> InvokeAsync(string[] args, InvocationConfiguration? configuration = null)
    {
        var parse = CreateRoot().Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            var error = configuration?.Error ?? Console.Error;
            var help = string.Join(' ', ["gossipfl", .. CommandPath(parse.CommandResult)]);
            foreach (var problem in parse.Errors)
            {
                error.WriteLine($"error: {Readable(problem.Message).TrimEnd('.')} (see {help} --help)");
            }

            return Task.FromResult(1);
        }

        return configuration is null ? parse.InvokeAsync() : parse.InvokeAsync(configuration);
    }

    /// <summary>The names of the (sub)commands parsed, outermost first, without the root: e.g. <c>topology check</c>.</summary>
    private static string[] CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (System.CommandLine.Parsing.SymbolResult? at = result; at is System.CommandLine.Parsing.CommandResult command && command.Command is not RootCommand; at = at.Parent)
        {
            names.Insert(0, command.Command.Name);
        }

        return [.. names];
    }

    /// <summary>Names the expected kind of value instead of the .NET type, e.g. "as a number" for <c>double?</c>.</summary>
    private static string Readable(string message) => ExpectedType().Replace(message, match => match.Groups["type"].Value switch
    {
        var t when t.Contains("System.Double", StringComparison.Ordinal) || t.Contains("System.Single", StringComparison.Ordinal) => "as a number",
        var t when t.Contains("System.UInt", StringComparison.Ordinal) => "as a whole number >= 0",
        var t when t.Contains("System.Int", StringComparison.Ordinal) => "as a whole number",
        var t when t.Contains("System.Boolean", StringComparison.Ordinal) => "as true or false",
        _ => "as expected",
    });

    [GeneratedRegex(@"as expected type '(?<type>[^']+)'")]
    private static partial Regex ExpectedType();
}
