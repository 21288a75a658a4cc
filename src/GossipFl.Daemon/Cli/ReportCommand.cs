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
        var topology = new Option<FileInfo?>("--topology") { Description = "topology file to draw (default: DIR/topology.yaml, or the file DIR/run.json names)" };
        var command = new Command("report", "Turn a run's metrics into a self-contained HTML page with charts.") { directory, output, topology };
        command.SetAction((parse, cancellation) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var run = MetricsReader.Read(parse.GetValue(directory)!.FullName);
            var graph = LoadGraph(parse.GetValue(topology)?.FullName ?? TopologyNamedIn(run));
            var target = parse.GetValue(output)!;
            await File.WriteAllTextAsync(target.FullName, HtmlReport.Build(run, graph), cancellation).ConfigureAwait(false);
            var console = parse.InvocationConfiguration.Output;
            await console.WriteLineAsync(ConvergenceSummary.Render(run)).ConfigureAwait(false);
            await console.WriteLineAsync($"wrote {target.FullName}: {run.RoundCount} rounds, {run.NodeNames.Count} peers").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The run's own copy (<c>DIR/topology.yaml</c>) when it wrote one, else the file run.json names
    /// (<c>topology_path</c>, or <c>topology</c> when that is a path), resolved against DIR.
    /// </summary>
    private static string? TopologyNamedIn(RunMetrics run)
    {
        var own = Path.Combine(run.Directory, "topology.yaml");
        if (File.Exists(own))
        {
            return own;
        }

        if (run.Configuration is not { } configuration)
        {
            return null;
        }

        foreach (var key in (string[])["topology_path", "topology"])
        {
            if (configuration.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String)
            {
                var path = Path.Combine(run.Directory, value.GetString()!);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        return null;
    }

    private static TrustGraph? LoadGraph(string? path) => path is null ? null : TopologyFileReader.Load(path).Graph;
}
