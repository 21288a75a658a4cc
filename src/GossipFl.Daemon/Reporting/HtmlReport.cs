using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GossipFl.Topology.Graph;

namespace GossipFl.Daemon.Reporting;

/// <summary>
/// One self-contained HTML page for a run: summary, charts (loss and accuracy per peer per round, consensus
/// distance per round), the topology drawn, and a table of peers. No scripts, fonts or network needed to view it.
/// </summary>
internal static class HtmlReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Build(RunMetrics run, TrustGraph? graph)
    {
        ArgumentNullException.ThrowIfNull(run);
        var c = CultureInfo.InvariantCulture;
        var lastSeen = run.Nodes.GroupBy(n => n.Node, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(n => n.Round), StringComparer.Ordinal);
        var stopped = lastSeen.Where(kv => kv.Value < run.LastRound).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        var title = $"GossipFl run: {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(run.Directory)))}";

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append(c, $"<title>{Encode(title)}</title><style>{Style}</style></head><body>");
        html.Append(c, $"<h1>{Encode(title)}</h1>");
        html.Append(Summary(run, stopped));
        html.Append("<h2>Convergence</h2><div class=\"charts\">");
        if (run.Nodes.Any(n => n.TestAccuracy is not null) || !run.Nodes.Any(n => n.ValidationAccuracy is not null))
        {
            html.Append(SvgLineChart.Render("chart-accuracy", "Test accuracy per peer (shared test set)", "round", "accuracy", PerNode(run, n => n.TestAccuracy, r => r.MeanTestAccuracy)));
        }

        if (run.Nodes.Any(n => n.ValidationAccuracy is not null))
        {
            html.Append(SvgLineChart.Render(
                "chart-validation", "Validation accuracy per peer (each on its own held-out data)", "round", "accuracy", PerNode(run, n => n.ValidationAccuracy, _ => null)));
        }

        html.Append(SvgLineChart.Render("chart-loss", "Training loss per peer", "round", "loss", PerNode(run, n => n.TrainLoss, r => r.MeanTrainLoss)));
        html.Append(SvgLineChart.Render(
            "chart-consensus", "Consensus distance (mean ‖z_i − z̄‖²)", "round", "distance",
            [new ChartSeries("consensus distance", run.Rounds.Where(r => r.ConsensusDistance is not null).Select(r => ((double)r.Round, r.ConsensusDistance!.Value)).ToArray(), Emphasis: true)],
            logY: true));
        if (run.Rounds.Any(r => r.Regret is not null))
        {
            html.Append(SvgLineChart.Render(
                "chart-regret", "Regret (cumulative average loss)", "round", "regret",
                [new ChartSeries("regret", run.Rounds.Where(r => r.Regret is not null).Select(r => ((double)r.Round, r.Regret!.Value)).ToArray(), Emphasis: true)]));
        }

        html.Append("</div>");
        html.Append("<h2>Topology</h2>");
        html.Append(graph is null
            ? "<p class=\"note\">No topology given (use <code>--topology FILE</code>).</p>"
            : (CoordinatorTimeline.Of(run).Count > 0
                ? "<p class=\"note\">FedAvg: the members are the topology's nodes, any of them may be elected coordinator, and every update goes to the coordinator; the trust arrows below are not used for averaging. Hollow red peers stopped reporting before the end.</p>"
                : "<p class=\"note\">An arrow j → i means i trusts j: models flow along the arrows. Hollow red peers stopped reporting before the end.</p>")
              + TopologySvg.Render(graph, stopped));
        html.Append(Coordinators(run));
        html.Append(PeerTable(run, lastSeen));
        html.Append(RobustnessTable(run));
        html.Append(PrivacyTable(run));
        if (run.Configuration is { } configuration)
        {
            html.Append("<h2>Configuration</h2><pre class=\"config\">");
            html.Append(Encode(JsonSerializer.Serialize(configuration, Indented)));
            html.Append("</pre>");
        }

        html.Append("</body></html>");
        return html.ToString();
    }

    private static List<ChartSeries> PerNode(RunMetrics run, Func<NodeMetrics, double?> value, Func<RoundMetrics, double?> mean)
    {
        var series = run.Nodes.GroupBy(n => n.Node, StringComparer.Ordinal)
            .OrderBy(g => g.Key, NaturalOrder.Instance)
            .Select(g => new ChartSeries(g.Key, g.Where(n => value(n) is not null).Select(n => ((double)n.Round, value(n)!.Value)).ToArray()))
            .Where(s => s.Points.Count > 0)
            .ToList();
        var means = run.Rounds.Where(r => mean(r) is not null).Select(r => ((double)r.Round, mean(r)!.Value)).ToArray();
        if (means.Length > 0)
        {
            series.Add(new ChartSeries("mean", means, Emphasis: true));
        }

        return series;
    }

    private static string Summary(RunMetrics run, HashSet<string> stopped)
    {
        var c = CultureInfo.InvariantCulture;
        var last = run.Rounds.Count > 0 ? run.Rounds[^1] : null;
        var accuracy = run.Rounds.LastOrDefault(r => r.MeanTestAccuracy is not null)?.MeanTestAccuracy
            ?? Mean(run.Nodes.Where(n => n.Round == run.LastRound).Select(n => n.TestAccuracy));
        var cells = new List<(string Label, string Value)>
        {
            ("rounds", run.RoundCount.ToString(c)),
            ("peers", run.NodeNames.Count > 0 ? run.NodeNames.Count.ToString(c) : last?.Nodes?.ToString(c) ?? "?"),
            ("final mean test accuracy", accuracy is { } a ? a.ToString("0.00%", c) : "—"),
            ("final mean validation accuracy", FinalMeanValidation(run) is { } v ? v.ToString("0.00%", c) : "—"),
            ("final mean training loss", (last?.MeanTrainLoss ?? FinalMeanTrainLoss(run)) is { } l ? l.ToString("0.0000", c) : "—"),
            ("final consensus distance", (last?.ConsensusDistance ?? FinalModelConsensus.Of(run.Directory)) is { } d ? d.ToString("0.###e0;-0.###e0;0", c) : "—"),
            ("peers that stopped early", stopped.Count == 0 ? "none" : string.Join(", ", stopped.Order(NaturalOrder.Instance))),
        };
        if (run.Attackers.Count > 0)
        {
            // A simulated attack: the attackers' own models are not what the attack is measured by.
            cells.Insert(3, ("final mean honest test accuracy (attackers left out)", FinalMeanHonest(run) is { } h ? h.ToString("0.00%", c) : "—"));
        }

        var html = new StringBuilder("<table class=\"summary\">");
        foreach (var (label, value) in cells)
        {
            html.Append(c, $"<tr><th>{Encode(label)}</th><td>{Encode(value)}</td></tr>");
        }

        return html.Append("</table>").ToString();
    }

    /// <summary>The honest peers' mean of their last test accuracies, as the convergence summary gives it.</summary>
    private static double? FinalMeanHonest(RunMetrics run) =>
        Mean(run.NodeNames.Where(n => !run.Attackers.Contains(n))
            .Select(n => run.Nodes.LastOrDefault(m => m.Node == n && m.TestAccuracy is not null)?.TestAccuracy));

    /// <summary>FedAvg: which coordinator, in which term, averaged which rounds (nothing for gossip runs).</summary>
    private static string Coordinators(RunMetrics run)
    {
        var spans = CoordinatorTimeline.Of(run);
        if (spans.Count == 0)
        {
            return string.Empty;
        }

        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder("<h2>Coordinators</h2><table class=\"coordinators\"><thead><tr><th>rounds</th><th>coordinator</th><th>term</th></tr></thead><tbody>");
        foreach (var span in spans)
        {
            var rounds = span.FirstRound == span.LastRound ? span.FirstRound.ToString(c) : $"{span.FirstRound.ToString(c)}–{span.LastRound.ToString(c)}";
            html.Append(c, $"<tr><td>{rounds}</td><td>{Encode(span.Coordinator)}</td><td>{span.Term}</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    private static string PeerTable(RunMetrics run, Dictionary<string, long> lastSeen)
    {
        if (run.NodeNames.Count == 0)
        {
            return string.Empty;
        }

        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder("<h2>Peers</h2><table class=\"peers\"><thead><tr><th>peer</th><th>last round</th><th>training loss</th><th>test accuracy</th><th>validation accuracy</th><th>push-sum weight</th><th>bytes sent</th><th>bytes received</th></tr></thead><tbody>");
        foreach (var name in run.NodeNames)
        {
            var latest = run.Nodes.Last(n => n.Node == name);

            // A FedAvg peer trains only in the rounds it is sampled: show its latest training loss.
            var loss = run.Nodes.LastOrDefault(n => n.Node == name && n.TrainLoss is not null)?.TrainLoss;
            var accuracy = run.Nodes.LastOrDefault(n => n.Node == name && n.TestAccuracy is not null)?.TestAccuracy;
            var validation = run.Nodes.LastOrDefault(n => n.Node == name && n.ValidationAccuracy is not null)?.ValidationAccuracy;
            var stoppedEarly = lastSeen[name] < run.LastRound;
            html.Append(c, $"<tr class=\"{(stoppedEarly ? "stopped" : "alive")}\"><td>{Encode(name)}</td><td>{lastSeen[name]}{(stoppedEarly ? " (stopped)" : "")}</td>");
            html.Append(c, $"<td>{Format(loss, "0.0000")}</td><td>{(accuracy is { } a ? a.ToString("0.00%", c) : "—")}</td><td>{(validation is { } v ? v.ToString("0.00%", c) : "—")}</td><td>{Format(latest.Weight, "0.####")}</td>");
            html.Append(c, $"<td>{latest.BytesSent?.ToString("N0", c) ?? "—"}</td><td>{latest.BytesReceived?.ToString("N0", c) ?? "—"}</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>Peers by how often robust aggregation clipped or discarded them, attackers marked: who misbehaved.</summary>
    private static string RobustnessTable(RunMetrics run)
    {
        // A run with peer-level DP alone writes peer lines for their ε; zero counts there are not a robustness result.
        if (run.PeerTotals.Count == 0 || (run.Peers!.All(p => p.Delta is not null) && run.PeerTotals.All(p => p.Clipped + p.Discarded == 0)))
        {
            return string.Empty;
        }

        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder("<h2>Robust aggregation</h2><p class=\"note\">Peers by the rounds in which a robust rule clipped or discarded their contribution, most first.");
        html.Append(run.PeerTotals.Any(p => p.Attacker is not null) ? " Attackers (simulated) are marked.</p>" : "</p>");
        html.Append("<table class=\"robustness\"><thead><tr><th>peer</th><th>attacker</th><th>clipped</th><th>discarded</th></tr></thead><tbody>");
        foreach (var peer in run.PeerTotals)
        {
            var attacker = peer.Attacker switch { true => "<strong>attacker</strong>", false => "no", null => "—" };
            html.Append(c, $"<tr class=\"{(peer.Attacker == true ? "attacker" : "honest")}\"><td>{Encode(peer.Node)}</td><td>{attacker}</td><td>{peer.Clipped:N0}</td><td>{peer.Discarded:N0}</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>Peer-level DP: each peer's ε as of its last metrics line, at its δ (docs/privacy.md).</summary>
    private static string PrivacyTable(RunMetrics run)
    {
        var latest = run.NodeNames
            .Select(name => run.Nodes.LastOrDefault(n => n.Node == name && n.Delta is not null))
            .Where(n => n is not null).Select(n => n!).ToArray();
        if (latest.Length == 0)
        {
            return string.Empty;
        }

        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder("<h2>Privacy</h2><p class=\"note\">Peer-level differential privacy: the ε each peer had spent by its last reported round, at its δ (RDP accountant, docs/privacy.md). ∞: no noise.</p>");
        html.Append("<table class=\"privacy\"><thead><tr><th>peer</th><th>round</th><th>ε</th><th>δ</th></tr></thead><tbody>");
        foreach (var n in latest)
        {
            html.Append(c, $"<tr><td>{Encode(n.Node)}</td><td>{n.Round}</td><td>{(n.Epsilon is { } e ? e.ToString("0.###", c) : "∞")}</td><td>{n.Delta!.Value.ToString("G3", c)}</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>The mean over peers of each one's latest training loss (daemon runs record no round lines).</summary>
    private static double? FinalMeanTrainLoss(RunMetrics run) => Mean(run.NodeNames.Select(
        name => run.Nodes.LastOrDefault(n => n.Node == name && n.TrainLoss is not null)?.TrainLoss));

    /// <summary>The mean over peers of each one's latest validation accuracy (own held-out data), or null when none reported one.</summary>
    private static double? FinalMeanValidation(RunMetrics run) => Mean(run.NodeNames.Select(
        name => run.Nodes.LastOrDefault(n => n.Node == name && n.ValidationAccuracy is not null)?.ValidationAccuracy));

    private static double? Mean(IEnumerable<double?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
        return present.Length == 0 ? null : present.Average();
    }

    private static string Format(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "—";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private const string Style =
        "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1600px;color:#222;padding:0 16px}" +
        "h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}" +
        ".charts{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fff;border:1px solid #e3e3e3;border-radius:4px}" +
        ".plot{fill:#fcfcfc;stroke:#ccc}.grid{stroke:#eee}.tick,.legend{font-size:11px;fill:#555}.axis{font-size:12px;fill:#333}" +
        ".chart-title{font-size:14px;font-weight:600}.empty{fill:#999;font-style:italic}.node-label{font-size:11px}" +
        "table{border-collapse:collapse;font-size:13px}th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:left}" +
        "tr.stopped td{color:#d62728}.note{color:#555;font-size:13px}pre.config{background:#f6f6f6;padding:10px;font-size:12px;overflow:auto}";
}
