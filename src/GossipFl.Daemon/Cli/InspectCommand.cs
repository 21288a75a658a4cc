using System.CommandLine;
using System.Text.Json;
using GossipFl.Daemon.Inspection;
using Spectre.Console;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl inspect --peer URL ...</c>: a live table across peers (round, loss, accuracy, distance of each
/// peer's model to the peers' mean, bytes), read from their status endpoints and refreshed in place.
/// </summary>
internal static class InspectCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static Command Create()
    {
        var peers = new Option<string[]>("--peer") { Description = "a peer's status endpoint, e.g. http://127.0.0.1:9100/ (repeat for each peer)", AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore };
        var interval = new Option<double>("--interval") { Description = "seconds between refreshes", DefaultValueFactory = _ => 2 };
        var once = new Option<bool>("--once") { Description = "print the table once and exit (also when output is not a terminal)" };
        var json = new Option<bool>("--json") { Description = "print the peers' status and the consensus distance as JSON once, for tools" };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for each peer", DefaultValueFactory = _ => 3 };
        var command = new Command("inspect", "Show convergence across peers, read from their status endpoints.") { peers, interval, once, json, timeout };
        command.SetAction((parse, cancellation) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var endpoints = (parse.GetValue(peers) ?? []).Select(Normalise).ToArray();
            if (endpoints.Length == 0)
            {
                throw new UsageException("name at least one peer with --peer URL (a daemon's status endpoint, e.g. http://127.0.0.1:9100/)");
            }

            var seconds = parse.GetValue(interval);
            var wait = parse.GetValue(timeout);
            if (!(seconds > 0) || !(wait > 0))
            {
                throw new UsageException("--interval and --timeout must be positive numbers of seconds");
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(wait) };
            var client = new StatusClient(http);
            if (parse.GetValue(json))
            {
                var readings = await ReadAllAsync(client, endpoints, cancellation).ConfigureAwait(false);
                var distances = ConsensusDistance.PerPeer(readings.Where(r => r.Model is not null).Select(r => r.Model!.Value.Parameters).ToArray());
                await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    peers = readings.Select(r => new { endpoint = r.Endpoint, status = r.Status, error = r.Error }),
                    consensus_distance = distances.Length == 0 ? (double?)null : distances.Average(),
                }, Json)).ConfigureAwait(false);
                return 0;
            }

            if (parse.GetValue(once) || !AnsiConsole.Profile.Capabilities.Interactive)
            {
                AnsiConsole.Write(InspectionView.Build(await ReadAllAsync(client, endpoints, cancellation).ConfigureAwait(false)));
                return 0;
            }

            await AnsiConsole.Live(new Text("reading peers…")).StartAsync(async live =>
            {
                while (!cancellation.IsCancellationRequested)
                {
                    live.UpdateTarget(InspectionView.Build(await ReadAllAsync(client, endpoints, cancellation).ConfigureAwait(false)));
                    await Task.Delay(TimeSpan.FromSeconds(seconds), cancellation).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static async Task<PeerReading[]> ReadAllAsync(StatusClient client, Uri[] endpoints, CancellationToken cancellation) =>
        await Task.WhenAll(endpoints.Select(e => client.ReadAsync(e, cancellation))).ConfigureAwait(false);

    private static Uri Normalise(string text) =>
        !Uri.TryCreate(text, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https")
            ? throw new UsageException($"--peer {text}: give a full URL such as http://127.0.0.1:9100/")
            : endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
}
