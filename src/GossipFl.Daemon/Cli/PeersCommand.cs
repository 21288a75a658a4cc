using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using GossipFl.Daemon.Discovery;
using Spectre.Console;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// `gossipfl peers`: browse with mDNS / DNS-SD for a while and list the GossipFl peers found. The first thing to
/// run when peers do not find each other; it lists any `_gossipfl._udp` instance, whoever publishes it.
/// </summary>
internal static class PeersCommand
{
    public static Command Create()
    {
        var interfaces = new Option<string[]>("--interface", "-i")
        {
            Description = "Interface to browse on (repeatable). Default: every up, multicast-capable, non-loopback interface.",
        };
        var timeout = new Option<int>("--timeout", "-t") { Description = "Seconds to browse before listing.", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print JSON for tools instead of a table." };
        var command = new Command("peers", "Browse the network for GossipFl peers (mDNS / DNS-SD) and list them.")
        {
            interfaces,
            timeout,
            json,
        };
        command.SetAction((ParseResult parse, CancellationToken ct) => UserErrors.GuardAsync(() =>
            RunAsync(parse.GetValue(interfaces) ?? [], parse.GetValue(timeout), parse.GetValue(json), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string[] interfaces, int timeoutSeconds, bool json, CancellationToken ct)
    {
        if (timeoutSeconds is < 1 or > 3600)
        {
            throw new UsageException($"--timeout must be 1-3600 seconds, not {timeoutSeconds}");
        }

        var options = new DiscoveryOptions();
        foreach (var name in interfaces)
        {
            options.Interfaces.Add(name);
        }

        var log = new List<string>();
        options.Log = line =>
        {
            lock (log)
            {
                log.Add(line);
            }
        };
        var service = new DiscoveryService(options);
        await using (service.ConfigureAwait(false))
        {
            try
            {
                service.Start();
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }
            catch (SocketException ex)
            {
                throw new UsageException($"cannot listen for mDNS on UDP port 5353: {ex.Message}");
            }

            if (service.Links.Count == 0)
            {
                throw new UsageException("no interface to browse on: none is up, multicast-capable and non-loopback with an address; name one with --interface");
            }

            await Task.Delay(TimeSpan.FromSeconds(timeoutSeconds), ct).ConfigureAwait(false);
            var peers = service.Peers.Snapshot();
            var now = DateTimeOffset.UtcNow;
            if (json)
            {
                WriteJson(service, peers, now);
            }
            else
            {
                WriteTable(service, peers, now, timeoutSeconds);
            }
        }

        return 0;
    }

    private static void WriteJson(DiscoveryService service, IReadOnlyList<PeerInfo> peers, DateTimeOffset now)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("links");
            foreach (var link in service.Links)
            {
                writer.WriteStringValue(link);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("peers");
            foreach (var peer in peers)
            {
                writer.WriteStartObject();
                writer.WriteString("instance", peer.InstanceName);
                writer.WriteString("node", peer.NodeName);
                writer.WriteStartArray("addresses");
                foreach (var address in peer.Addresses)
                {
                    writer.WriteStringValue(address.ToString());
                }

                writer.WriteEndArray();
                writer.WriteNumber("port", peer.Port);
                writer.WriteNumber("protocolVersion", peer.ProtocolVersion);
                writer.WriteString("fingerprint", peer.KeyFingerprint);
                writer.WriteNumber("statusPort", peer.StatusPort);
                writer.WriteString("source", peer.Source == PeerSource.Mdns ? "mdns" : "static");
                if (peer.Expires is { } expires)
                {
                    writer.WriteNumber("ttlSeconds", Math.Max(0, (int)(expires - now).TotalSeconds));
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            var statistics = service.Statistics;
            writer.WriteStartObject("statistics");
            writer.WriteNumber("received", statistics.Received);
            writer.WriteNumber("accepted", statistics.Accepted);
            writer.WriteNumber("rejected", statistics.RejectedTotal);
            writer.WriteNumber("sent", statistics.Sent);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        stdout.WriteByte((byte)'\n');
    }

    private static void WriteTable(DiscoveryService service, IReadOnlyList<PeerInfo> peers, DateTimeOffset now, int timeoutSeconds)
    {
        var links = string.Join(", ", service.Links);
        if (peers.Count == 0)
        {
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"No GossipFl peers answered on {links} within {timeoutSeconds} s."));
            AnsiConsole.WriteLine("Check: are the peers on the same link (mDNS does not cross routers)? Is UDP port 5353 allowed?");
            AnsiConsole.WriteLine("       Does `avahi-browse -rpt _gossipfl._udp` see them? Otherwise list them with --peer host:port.");
            return;
        }

        var table = new Table().Title($"GossipFl peers on {Markup.Escape(links)}")
            .AddColumns("Instance", "Node", "Addresses", "Port", "Version", "Key fingerprint", "TTL left");
        foreach (var peer in peers)
        {
            var ttl = peer.Expires is { } expires
                ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)(expires - now).TotalSeconds)} s")
                : "static";
            table.AddRow(
                new Text(peer.InstanceName),
                new Text(peer.NodeName),
                new Text(string.Join(", ", peer.Addresses)),
                new Text(peer.Port.ToString(CultureInfo.InvariantCulture)),
                new Text(peer.ProtocolVersion == 0 ? "?" : peer.ProtocolVersion.ToString(CultureInfo.InvariantCulture)),
                new Text(peer.KeyFingerprint.Length == 0 ? "-" : peer.KeyFingerprint),
                new Text(ttl));
        }

        AnsiConsole.Write(table);
    }
}
