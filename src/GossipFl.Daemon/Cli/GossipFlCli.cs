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
                error.WriteLine($"error: {Readable(problem.Message).TrimEnd('.')}{Suggestion(problem.Message, parse.CommandResult.Command)} (see {help} --help)");
            }

            return Task.FromResult(1);
        }

        return configuration is null ? parse.InvokeAsync() : parse.InvokeAsync(configuration);
    }

    /// <summary>
    /// For an unrecognized word, "; did you mean 'X'?" naming the command's subcommand or option closest to it (at most
    /// two edits, fewer for short words), as System.CommandLine's own error output did; empty otherwise.
    /// </summary>
    private static string Suggestion(string message, Command command)
    {
        if (UnrecognizedToken().Match(message) is not { Success: true } match)
        {
            return "";
        }

        var word = match.Groups["token"].Value;
        IEnumerable<string> names = word.StartsWith('-')
            ? command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
            : command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));
        var limit = word.TrimStart('-').Length <= 4 ? 1 : 2;
        var best = names
            .Select(name => (Name: name, Distance: EditDistance(word, name)))
            .Where(candidate => candidate.Distance <= limit)
            .OrderBy(candidate => candidate.Distance)
            .ThenBy(candidate => candidate.Name, StringComparer.Ordinal)
            .Select(candidate => candidate.Name)
            .FirstOrDefault();
        return best is null ? "" : $"; did you mean '{best}'?";
    }

    /// <summary>Levenshtein distance (insertions, deletions and substitutions), with adjacent swaps counted as one edit.</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    [GeneratedRegex(@"^Unrecognized command or argument '(?<token>[^']+)'")]
    private static partial Regex UnrecognizedToken();

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
