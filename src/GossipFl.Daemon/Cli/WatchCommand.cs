using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using GossipFl.Daemon.Inspection;
using Spectre.Console;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl watch RUN_DIR [--rounds N]</c>: a live table of the daemons writing below a run directory (round, loss,
/// accuracy, distance to the peers' mean model, time left; for FedAvg the coordinator and term), refreshed in place
/// on a terminal and written as one plain line per change otherwise. It ends when every peer has finished N rounds,
/// or when stopped (scripts/simulate.sh stops it when its daemons exit).
/// </summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var run = new Argument<DirectoryInfo>("RUN_DIR") { Description = "the directory holding one data directory per daemon (scripts/simulate.sh's run directory)" };
        var rounds = new Option<int?>("--rounds") { Description = "rounds the daemons run (default: RUN_DIR/topology.yaml's training.rounds, else the daemons' default)" };
        var interval = new Option<double>("--interval") { Description = "seconds between refreshes", DefaultValueFactory = _ => 1 };
        var command = new Command("watch", "Follow the daemons of a run live: round, loss, accuracy, consensus distance, time left.") { run, rounds, interval };
        command.SetAction((parse, cancellation) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var directory = parse.GetValue(run)!.FullName;
            var total = parse.GetValue(rounds) ?? RoundsOf(directory);
            var seconds = parse.GetValue(interval);
            if (total < 1 || !(seconds > 0))
            {
                throw new UsageException("--rounds must be at least 1 and --interval positive");
            }

            var clock = Stopwatch.StartNew();
            try
            {
                if (AnsiConsole.Profile.Capabilities.Interactive)
                {
                    await AnsiConsole.Live(new Text("waiting for the first round…")).StartAsync(async live =>
                    {
                        while (true)
                        {
                            var progress = RunProgress.Read(directory);
                            live.UpdateTarget(Table(progress, total, clock.Elapsed));
                            if (Finished(progress, total))
                            {
                                return;
                            }

                            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellation).ConfigureAwait(false);
                        }
                    }).ConfigureAwait(false);
                }
                else
                {
                    // A new line only when the figures change, not each time the estimate of the time left does.
                    var written = "";
                    while (true)
                    {
                        var progress = RunProgress.Read(directory);
                        var figures = Line(progress, total, elapsed: null);
                        if (figures.Length > 0 && figures != written)
                        {
                            await parse.InvocationConfiguration.Output.WriteLineAsync(Line(progress, total, clock.Elapsed)).ConfigureAwait(false);
                            written = figures;
                        }

                        if (Finished(progress, total))
                        {
                            return 0;
                        }

                        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellation).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // Stopped by the caller (the run ended): not an error.
            }

            return 0;
        }));
        return command;
    }

    /// <summary>The rounds the run's topology file asks for, or the daemons' default when it says nothing.</summary>
    private static int RoundsOf(string runDirectory)
    {
        var topology = Path.Combine(runDirectory, "topology.yaml");
        return File.Exists(topology) && GossipFl.Topology.Files.TopologyFileReader.Load(topology).Training?.Rounds is { } rounds
            ? rounds
            : new Node.DaemonSettings().Rounds;
    }

    private static bool Finished(RunProgress progress, int total) => progress.Peers.Count > 0 && progress.Peers.All(p => p.Round >= total - 1);

    /// <summary>Seconds left at the pace so far, from the slowest peer (the run ends when it does); null before a round is done.</summary>
    private static TimeSpan? Left(RunProgress progress, int total, TimeSpan elapsed)
    {
        if (progress.Peers.Count == 0)
        {
            return null;
        }

        var done = progress.Peers.Min(p => p.Round) + 1;
        return done <= 0 ? null : elapsed * ((double)(total - done) / done);
    }

    private static Table Table(RunProgress progress, int total, TimeSpan elapsed)
    {
        var c = CultureInfo.InvariantCulture;
        var fedAvg = progress.Peers.Any(p => p.Term is not null);
        var validating = progress.Peers.Any(p => p.ValidationAccuracy is not null);
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns(["peer", "round", "train loss", "test acc", .. validating ? ["val acc"] : Array.Empty<string>(), "‖z−z̄‖²", .. fedAvg ? ["coordinator (term)"] : Array.Empty<string>()]);
        foreach (var peer in progress.Peers)
        {
            table.AddRow([
                new Text(peer.Node),
                new Text(string.Create(c, $"{peer.Round + 1}/{total}")),
                new Text(peer.TrainLoss?.ToString("0.0000", c) ?? "—"),
                new Text(peer.TestAccuracy?.ToString("0.00%", c) ?? "—"),
                .. validating ? [new Text(peer.ValidationAccuracy?.ToString("0.00%", c) ?? "—")] : Array.Empty<Text>(),
                new Text(peer.Distance?.ToString("0.###e0;-0.###e0;0", c) ?? "—"),
                .. fedAvg ? [new Text(peer.Term is { } t ? $"{peer.Coordinator ?? "none"} ({t})" : "—")] : Array.Empty<Text>()]);
        }

        table.Caption(Summary(progress, total, elapsed));
        return table;
    }

    /// <summary>One plain line: "round 7/20 (slowest peer): mean train loss 0.61, mean test accuracy 70.1%, consensus distance 1.2e-2, about 30 s left".</summary>
    private static string Line(RunProgress progress, int total, TimeSpan? elapsed) =>
        progress.Peers.Count == 0 ? "" : Summary(progress, total, elapsed);

    /// <summary>The run's figures, and the time left when <paramref name="elapsed"/> is given.</summary>
    private static string Summary(RunProgress progress, int total, TimeSpan? elapsed)
    {
        var c = CultureInfo.InvariantCulture;
        if (progress.Peers.Count == 0)
        {
            return "waiting for the first round";
        }

        var parts = new List<string> { string.Create(c, $"round {progress.Peers.Min(p => p.Round) + 1}/{total} (slowest of {progress.Peers.Count} peers)") };
        if (Mean(progress.Peers.Select(p => p.TrainLoss)) is { } loss)
        {
            parts.Add(string.Create(c, $"mean train loss {loss:0.0000}"));
        }

        if (Mean(progress.Peers.Select(p => p.TestAccuracy)) is { } accuracy)
        {
            parts.Add(string.Create(c, $"mean test accuracy {accuracy:0.00%}"));
        }

        if (Mean(progress.Peers.Select(p => p.ValidationAccuracy)) is { } validation)
        {
            parts.Add(string.Create(c, $"mean validation accuracy {validation:0.00%}"));
        }

        if (progress.ConsensusDistance is { } distance)
        {
            parts.Add(string.Create(c, $"consensus distance {distance:0.###e0;-0.###e0;0}"));
        }

        if (progress.Peers.FirstOrDefault(p => p.Term is not null) is { } fedAvg)
        {
            parts.Add($"coordinator {fedAvg.Coordinator ?? "none"} (term {fedAvg.Term})");
        }

        if (elapsed is { } running && Left(progress, total, running) is { } left)
        {
            parts.Add(string.Create(c, $"about {Math.Ceiling(left.TotalSeconds):0} s left"));
        }

        return string.Join(", ", parts);
    }

    private static double? Mean(IEnumerable<double?> values)
    {
        var known = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
        return known.Length == 0 ? null : known.Average();
    }
}
