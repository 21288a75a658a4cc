using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Inspection;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl inspect [--peer URL ... | --discover]</c>: a live table across peers (round, loss, accuracy,
/// distance of each peer's model to the peers' mean, bytes), read from their status endpoints and refreshed in
/// place. With <c>--discover</c> the endpoints come from the peers' mDNS TXT records, browsed for
/// <c>--browse</c> seconds first and kept up to date while the table refreshes.
/// </summary>
internal static class InspectCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static Command Create()
    {
        var peers = new Option<string[]>("--peer") { Description = "a peer's status endpoint, e.g. http://127.0.0.1:9100/ (repeat for each peer)", AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore };
        var discover = new Option<bool>("--discover") { Description = "find the peers' status endpoints with mDNS (daemons advertise them when started with a non-loopback --status-bind)" };
        var interfaces = new Option<string[]>("--interface", "-i") { Description = "with --discover: interface to browse on (repeatable; default: every up, multicast-capable, non-loopback interface)" };
        var browse = new Option<double>("--browse") { Description = "with --discover: seconds to browse before the first reading", DefaultValueFactory = _ => 3 };
        var interval = new Option<double>("--interval") { Description = "seconds between refreshes", DefaultValueFactory = _ => 2 };
        var once = new Option<bool>("--once") { Description = "print the table once and exit (also when output is not a terminal)" };
        var json = new Option<bool>("--json") { Description = "print the peers' status and the consensus distance as JSON once, for tools" };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for each peer", DefaultValueFactory = _ => 3 };
        var command = new Command("inspect", "Show convergence across peers, read from their status endpoints.")
        {
            peers, discover, interfaces, browse, interval, once, json, timeout,
        };
        command.SetAction((parse, cancellation) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var listed = (parse.GetValue(peers) ?? []).Select(Normalise).ToArray();
            var discovering = parse.GetValue(discover);
            if (listed.Length == 0 && !discovering)
            {
                throw new UsageException("name at least one peer with --peer URL (a daemon's status endpoint, e.g. http://127.0.0.1:9100/), or find them with --discover");
            }

            var names = parse.GetValue(interfaces) ?? [];
            if (names.Length > 0 && !discovering)
            {
                throw new UsageException("--interface chooses where --discover browses; add --discover");
            }

            var seconds = parse.GetValue(interval);
            var wait = parse.GetValue(timeout);
            var browsing = parse.GetValue(browse);
            if (!(seconds > 0) || !(wait > 0) || !(browsing is > 0 and <= 3600))
            {
                throw new UsageException("--interval and --timeout must be positive numbers of seconds; --browse more than 0 and at most 3600");
            }

            var discovery = discovering ? await StartDiscoveryAsync(names, browsing, cancellation).ConfigureAwait(false) : null;
            try
            {
                var targets = new Targets(listed, discovery);
                var output = parse.InvocationConfiguration.Output;
                var error = parse.InvocationConfiguration.Error;
                if (targets.Current() is { Endpoints.Count: 0 } nothing)
                {
                    await error.WriteLineAsync("error: " + Explain(nothing, discovery!, browsing)).ConfigureAwait(false);
                    return UserErrors.ExitFailure;
                }

                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(wait) };
                var client = new StatusClient(http);
                if (parse.GetValue(json))
                {
                    var current = targets.Current();
                    var readings = await ReadAllAsync(client, current.Endpoints, cancellation).ConfigureAwait(false);
                    var distances = ConsensusDistance.PerPeer(readings.Where(r => r.Model is not null).Select(r => r.Model!.Value.Parameters).ToArray());
                    await output.WriteLineAsync(JsonSerializer.Serialize(new
                    {
                        peers = readings.Select(r => new { endpoint = r.Endpoint, status = r.Status, error = r.Error }),
                        consensus_distance = distances.Length == 0 ? (double?)null : distances.Average(),
                        without_status_endpoint = current.WithoutStatus.Select(p => new { node = p.NodeName, instance = p.InstanceName, addresses = p.Addresses.Select(a => a.ToString()) }),
                        hint = current.WithoutStatus.Count == 0 ? null : DiscoveredStatus.Hint,
                    }, Json)).ConfigureAwait(false);
                    return 0;
                }

                if (parse.GetValue(once) || !AnsiConsole.Profile.Capabilities.Interactive)
                {
                    AnsiConsole.Write(await ViewAsync(client, targets, cancellation).ConfigureAwait(false));
                    return 0;
                }

                await AnsiConsole.Live(new Text("reading peers…")).StartAsync(async live =>
                {
                    while (!cancellation.IsCancellationRequested)
                    {
                        live.UpdateTarget(await ViewAsync(client, targets, cancellation).ConfigureAwait(false));
                        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellation).ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
                return 0;
            }
            finally
            {
                if (discovery is not null)
                {
                    await discovery.DisposeAsync().ConfigureAwait(false);
                }
            }
        }));
        return command;
    }

    /// <summary>Starts browsing (it advertises nothing) and lets it run for <paramref name="seconds"/> before the first reading.</summary>
    private static async Task<DiscoveryService> StartDiscoveryAsync(string[] interfaces, double seconds, CancellationToken cancellation)
    {
        var options = new DiscoveryOptions();
        foreach (var name in interfaces)
        {
            options.Interfaces.Add(name);
        }

        var service = new DiscoveryService(options);
        try
        {
            service.Start();
            if (service.Links.Count == 0)
            {
                throw new UsageException("no interface to browse on: none is up, multicast-capable and non-loopback with an address; name one with --interface");
            }

            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellation).ConfigureAwait(false);
            return service;
        }
        catch (Exception ex)
        {
            await service.DisposeAsync().ConfigureAwait(false);
            throw ex switch
            {
                ArgumentException => new UsageException(ex.Message),
                SocketException => new UsageException($"cannot listen for mDNS on UDP port 5353: {ex.Message}"),
                _ => ex,
            };
        }
    }

    /// <summary>Why there is nothing to read: no peer answered, or every peer found keeps its status endpoint on loopback.</summary>
    private static string Explain(DiscoveredStatus nothing, DiscoveryService discovery, double browsed)
    {
        var links = string.Join(", ", discovery.Links);
        return nothing.WithoutStatus.Count == 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"no GossipFl peers answered on {links} within {browsed} s. Are they on the same link (mDNS does not cross routers)? Is UDP port 5353 allowed? `gossipfl peers` lists what mDNS sees; --peer URL names status endpoints directly.")
            : $"found {Describe(nothing.WithoutStatus)} on {links}, but none advertises a status endpoint reachable from here: {DiscoveredStatus.Hint}.";
    }

    private static string Describe(IReadOnlyList<PeerInfo> peers) =>
        string.Create(CultureInfo.InvariantCulture, $"{peers.Count} peer(s) ({string.Join(", ", peers.Select(p => $"{p.NodeName} at {string.Join(" ", p.Addresses)}"))})");

    private static async Task<IRenderable> ViewAsync(StatusClient client, Targets targets, CancellationToken cancellation)
    {
        var current = targets.Current();
        var table = InspectionView.Build(await ReadAllAsync(client, current.Endpoints, cancellation).ConfigureAwait(false));
        return current.WithoutStatus.Count == 0
            ? table
            : new Rows(table, new Markup($"[yellow]Also found {Markup.Escape(Describe(current.WithoutStatus))} without a status endpoint reachable from here:[/] {Markup.Escape(DiscoveredStatus.Hint)}."));
    }

    private static async Task<PeerReading[]> ReadAllAsync(StatusClient client, IReadOnlyList<Uri> endpoints, CancellationToken cancellation) =>
        await Task.WhenAll(endpoints.Select(e => client.ReadAsync(e, cancellation))).ConfigureAwait(false);

    private static Uri Normalise(string text) =>
        !Uri.TryCreate(text, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https")
            ? throw new UsageException($"--peer {text}: give a full URL such as http://127.0.0.1:9100/")
            : endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");

    /// <summary>The endpoints to read now: those listed with --peer, then those discovered so far (without repeats).</summary>
    private sealed class Targets(Uri[] listed, DiscoveryService? discovery)
    {
        public DiscoveredStatus Current()
        {
            var found = discovery is null ? new DiscoveredStatus([], []) : DiscoveredStatus.From(discovery.Peers.Snapshot());
            return new DiscoveredStatus([.. listed.Concat(found.Endpoints).Distinct()], found.WithoutStatus);
        }
    }
}
