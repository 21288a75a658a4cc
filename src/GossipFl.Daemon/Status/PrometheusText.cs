using System.Globalization;
using System.Text;

namespace GossipFl.Daemon.Status;

/// <summary>
/// Renders a <see cref="NodeStatus"/> in the Prometheus text exposition format (version 0.0.4): HELP and TYPE
/// lines, then samples; label values escape backslash, double quote and line feed.
/// </summary>
internal static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Render(NodeStatus status, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        var text = new StringBuilder();
        var node = $"node=\"{Escape(status.Node)}\"";
        Metric(text, "gossipfl_round", "gauge", "Last completed round.", [(node, status.Round)]);
        Metric(text, "gossipfl_train_loss", "gauge", "Mean training loss of the last round.", Optional(node, status.TrainLoss));
        Metric(text, "gossipfl_test_loss", "gauge", "Loss on the shared test set at the last evaluation.", Optional(node, status.TestLoss));
        Metric(text, "gossipfl_test_accuracy", "gauge", "Accuracy (0..1) on the shared test set at the last evaluation.", Optional(node, status.TestAccuracy));
        Metric(text, "gossipfl_validation_loss", "gauge", "Loss on the node's own held-out validation data at the last evaluation.", Optional(node, status.ValidationLoss));
        Metric(text, "gossipfl_validation_accuracy", "gauge", "Accuracy (0..1) on the node's own held-out validation data at the last evaluation.", Optional(node, status.ValidationAccuracy));
        Metric(text, "gossipfl_pushsum_weight", "gauge", "Push-sum weight w of this node.", [(node, status.Weight)]);
        Metric(text, "gossipfl_sent_bytes_total", "counter", "Bytes sent to peers.", [(node, status.BytesSent)]);
        Metric(text, "gossipfl_received_bytes_total", "counter", "Bytes received from peers.", [(node, status.BytesReceived)]);
        Metric(text, "gossipfl_dropped_total", "counter", "Datagrams or messages dropped, by reason.",
            status.Drops.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => ($"{node},reason=\"{Escape(d.Key)}\"", (double)d.Value)).ToArray());
        Metric(text, "gossipfl_peer_last_seen_seconds", "gauge", "Seconds since a peer was last heard from.",
            status.Peers.Where(p => p.LastSeen is not null)
                .Select(p => ($"{node},peer=\"{Escape(p.Name)}\"", Math.Max(0, (now - p.LastSeen!.Value).TotalSeconds))).ToArray());
        Metric(text, "gossipfl_peer_clipped_total", "counter", "Rounds this node's robust aggregation clipped a peer's contribution.",
            status.Peers.Select(p => ($"{node},peer=\"{Escape(p.Name)}\"", (double)p.Clipped)).ToArray());
        Metric(text, "gossipfl_peer_discarded_total", "counter", "Rounds this node's robust aggregation discarded a peer's contribution.",
            status.Peers.Select(p => ($"{node},peer=\"{Escape(p.Name)}\"", (double)p.Discarded)).ToArray());
        if (status.Delta is { } delta)
        {
            Metric(text, "gossipfl_privacy_epsilon", "gauge", "Peer-level DP: epsilon spent so far at gossipfl_privacy_delta (+Inf: no noise).",
                [(node, status.Epsilon ?? double.PositiveInfinity)]);
            Metric(text, "gossipfl_privacy_delta", "gauge", "Peer-level DP: the delta epsilon is reported at.", [(node, delta)]);
            Metric(text, "gossipfl_privacy_rounds_total", "counter", "Peer-level DP: rounds the node trained and shared with noise.", [(node, (double)(status.PrivateRounds ?? 0))]);
            Metric(text, "gossipfl_privacy_stopped", "gauge", "Peer-level DP: 1 once the epsilon budget has stopped the node's training.", [(node, status.PrivacyStopped ? 1 : 0)]);
        }

        Metric(text, "gossipfl_uptime_seconds", "gauge", "Seconds since the node started.", [(node, Math.Max(0, (now - status.StartedAt).TotalSeconds))]);
        return text.ToString();
    }

    private static (string Labels, double Value)[] Optional(string labels, double? value) => value is { } v ? [(labels, v)] : [];

    private static void Metric(StringBuilder text, string name, string type, string help, IReadOnlyList<(string Labels, double Value)> samples)
    {
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
        foreach (var (labels, value) in samples)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}{{{labels}}} {Format(value)}\n");
        }
    }

    private static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
