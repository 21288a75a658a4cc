using System.Globalization;
using Spectre.Console;

namespace GossipFl.Daemon.Inspection;

/// <summary>Builds the table `gossipfl inspect` shows: one row per peer, with its distance to the peers' mean model.</summary>
internal static class InspectionView
{
    public static Table Build(IReadOnlyList<PeerReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var withModels = readings.Where(r => r.Model is not null).ToArray();
        var distances = ConsensusDistance.PerPeer(withModels.Select(r => r.Model!.Value.Parameters).ToArray());
        var distanceOf = withModels.Select((r, i) => (r.Endpoint, Distance: distances[i])).ToDictionary(x => x.Endpoint, x => x.Distance);
        var c = CultureInfo.InvariantCulture;
        // FedAvg peers report a term: they get a column saying whom each follows in which term.
        var fedAvg = readings.Any(r => r.Status?.Term is not null);

        // Peers that train on their own data also report accuracy on their own held-out data ("val acc"); "test acc"
        // is always on a shared test set.
        var validating = readings.Any(r => r.Status?.ValidationAccuracy is not null);
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns(["peer", "state", "round", "train loss", "test acc", .. validating ? ["val acc"] : Array.Empty<string>(), "‖z−z̄‖²", "weight", "sent", "received", "endpoint"]);
        if (fedAvg)
        {
            table.AddColumn("coordinator (term)");
        }

        // Peers with a robust aggregation rule name the peer their rule clipped or discarded most (who misbehaves).
        var robust = readings.Any(r => r.Status is { Aggregation: not "mean" });
        if (robust)
        {
            table.AddColumn("most clipped");
        }

        // Peers under peer-level DP show the ε they have spent (at their δ), and "stopped" once their budget ended training.
        var privacy = readings.Any(r => r.Status?.Delta is not null);
        if (privacy)
        {
            table.AddColumn("ε (δ)");
        }

        foreach (var reading in readings.OrderBy(r => r.Status?.Node ?? "~", StringComparer.Ordinal))
        {
            if (reading.Status is not { } s)
            {
                table.AddRow([new Markup("[grey]?[/]"), new Markup($"[red]{Markup.Escape(reading.Error ?? "unreachable")}[/]"),
                    Text.Empty, Text.Empty, Text.Empty, .. validating ? [Text.Empty] : Array.Empty<Text>(), Text.Empty, Text.Empty, Text.Empty, Text.Empty, new Text(reading.Endpoint.ToString()),
                    .. fedAvg ? [Text.Empty] : Array.Empty<Text>(), .. robust ? [Text.Empty] : Array.Empty<Text>(), .. privacy ? [Text.Empty] : Array.Empty<Text>()]);
                continue;
            }

            table.AddRow([
                new Text(s.Node),
                new Text(s.Coordinator == s.Node ? $"{s.State} (coordinator)" : s.State),
                new Text(s.Round.ToString(c)),
                new Text(s.TrainLoss?.ToString("0.0000", c) ?? "—"),
                new Text(s.TestAccuracy?.ToString("0.00%", c) ?? "—"),
                .. validating ? [new Text(s.ValidationAccuracy?.ToString("0.00%", c) ?? "—")] : Array.Empty<Text>(),
                new Text(distanceOf.TryGetValue(reading.Endpoint, out var d) ? d.ToString("0.###e0;-0.###e0;0", c) : "—"),
                new Text(s.Weight.ToString("0.####", c)),
                new Text(Bytes(s.BytesSent)),
                new Text(Bytes(s.BytesReceived)),
                new Text(reading.Endpoint.ToString()),
                .. fedAvg ? [new Text(Coordination(s))] : Array.Empty<Text>(),
                .. robust ? [new Text(MostClipped(s))] : Array.Empty<Text>(),
                .. privacy ? [new Text(Privacy(s))] : Array.Empty<Text>()]);
        }

        var mean = distances.Length == 0 ? "—" : distances.Average().ToString("0.###e0;-0.###e0;0", c);
        table.Caption(string.Create(c, $"{readings.Count(r => r.Status is not null)}/{readings.Count} peers answering; consensus distance (mean ‖z−z̄‖²) {mean}; {DateTimeOffset.Now:HH:mm:ss}"));
        return table;
    }

    private static string Privacy(Status.NodeStatus status) => status.Delta is not { } delta
        ? "—"
        : string.Create(CultureInfo.InvariantCulture,
            $"{(status.Epsilon is { } e ? e.ToString("0.##", CultureInfo.InvariantCulture) : "∞")} ({delta:G3}){(status.PrivacyStopped ? " stopped" : "")}");

    private static string MostClipped(Status.NodeStatus status)
    {
        if (status.MostClipped is not { } name)
        {
            return "—";
        }

        var peer = status.Peers.FirstOrDefault(p => p.Name == name);
        return peer is null ? name : string.Create(CultureInfo.InvariantCulture, $"{name} ({peer.Clipped} clipped, {peer.Discarded} discarded)");
    }

    private static string Coordination(Status.NodeStatus status) => status.Term is not { } term
        ? "—"
        : string.Create(CultureInfo.InvariantCulture, $"{(status.Coordinator == status.Node ? "itself" : status.Coordinator ?? "none")} ({term})");

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
