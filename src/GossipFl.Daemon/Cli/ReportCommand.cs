using System.CommandLine;
using System.Text.Json;
using GossipFl.Daemon.Reporting;
using GossipFl.Topology.Files;
using GossipFl.Topology.Graph;

namespace GossipFl.Daemon.Cli;

/// <summary><c>gossipfl report DIR -o report.html</c>: a self-contained HTML page of a run's metrics.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var directory = new Argument<DirectoryInfo>("DIR") { Description = "a run's output directory (metrics.jsonl, or one sub-directory per daemon)" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "the HTML file to write", DefaultValueFactory = _ => new FileInfo("report.html") };
        var topology = new Option<FileInfo?>("--topology") { Description = "topology file to draw (default: the one named in DIR/run.json)" };
        var command = new Command("report", "Turn a run's metrics into a self-contained HTML page with charts.") { directory, output, topology };
        command.SetAction((parse, cancellation) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var run = MetricsReader.Read(parse.GetValue(directory)!.FullName);
            var graph = LoadGraph(parse.GetValue(topology)?.FullName ?? TopologyNamedIn(run));
            var target = parse.GetValue(output)!;
            await File.WriteAllTextAsync(target.FullName, HtmlReport.Build(run, graph), cancellation).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"wrote {target.FullName}: {run.LastRound} rounds, {run.NodeNames.Count} peers").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static string? TopologyNamedIn(RunMetrics run)
    {
        if (run.Configuration is not { } configuration
            || !configuration.TryGetProperty("topology", out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var path = value.GetString()!;
        return Path.IsPathRooted(path) ? path : Path.Combine(run.Directory, path);
    }

    private static TrustGraph? LoadGraph(string? path) => path is null || !File.Exists(path) ? null : TopologyFileReader.Load(path).Graph;
}
