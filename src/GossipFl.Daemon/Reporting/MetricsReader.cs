using System.Globalization;
using System.Text.Json;

namespace GossipFl.Daemon.Reporting;

/// <summary>
/// Reads a run directory: <c>metrics.jsonl</c> (one JSON object per line, <c>"kind"</c> is <c>round</c> or
/// <c>node</c>, or <c>peer</c> for robust aggregation's per-peer counts; unknown kinds and fields are ignored so newer writers stay readable), every
/// <c>*/metrics.jsonl</c> one level down (one per daemon), and <c>run.json</c> when present.
/// </summary>
internal static class MetricsReader
{
    public const string MetricsFile = "metrics.jsonl";
    public const string RunFile = "run.json";

    public static RunMetrics Read(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"{directory}: no such run directory");
        }

        var files = new List<string>();
        var top = Path.Combine(directory, MetricsFile);
        if (File.Exists(top))
        {
            files.Add(top);
        }

        files.AddRange(Directory.GetDirectories(directory).Order(StringComparer.Ordinal)
            .Select(sub => Path.Combine(sub, MetricsFile)).Where(File.Exists));
        if (files.Count == 0)
        {
            throw new MetricsFormatException($"{directory}: no {MetricsFile} here or in its sub-directories; is this a run's --out directory?");
        }

        var rounds = new List<RoundMetrics>();
        var nodes = new List<NodeMetrics>();
        var peers = new List<PeerCounts>();
        foreach (var file in files)
        {
            ReadFile(file, rounds, nodes, peers);
        }

        if (rounds.Count == 0 && nodes.Count == 0)
        {
            throw new MetricsFormatException($"{string.Join(", ", files)}: no round or node metrics recorded yet");
        }

        return new RunMetrics(
            directory,
            rounds.OrderBy(r => r.Round).ToArray(),
            nodes.OrderBy(n => n.Round).ThenBy(n => n.Node, StringComparer.Ordinal).ToArray(),
            ReadConfiguration(Path.Combine(directory, RunFile)),
            peers);
    }

    private static void ReadFile(string file, List<RoundMetrics> rounds, List<NodeMetrics> nodes, List<PeerCounts> peers)
    {
        var lineNumber = 0;
        foreach (var line in File.ReadLines(file))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw new MetricsFormatException($"{file}:{lineNumber}: expected a JSON object");
                }

                switch (String(root, "kind"))
                {
                    case "round":
                        rounds.Add(new RoundMetrics(
                            RequiredRound(root, file, lineNumber), Int(root, "nodes"), Int(root, "alive"), Number(root, "mean_train_loss"),
                            Number(root, "regret"), Number(root, "mean_test_accuracy"), Number(root, "consensus_distance"), Long(root, "bytes")));
                        break;
                    case "node":
                        nodes.Add(new NodeMetrics(
                            RequiredRound(root, file, lineNumber),
                            String(root, "node") ?? throw new MetricsFormatException($"{file}:{lineNumber}: a node line needs \"node\""),
                            Number(root, "train_loss"), Number(root, "test_loss"), Number(root, "test_accuracy"), Number(root, "weight"),
                            Long(root, "bytes_sent"), Long(root, "bytes_received"), String(root, "coordinator"), Long(root, "term"),
                            Number(root, "validation_accuracy"), Number(root, "epsilon"), Number(root, "delta")));
                        break;
                    case "peer":
                        peers.Add(new PeerCounts(
                            String(root, "node") ?? throw new MetricsFormatException($"{file}:{lineNumber}: a peer line needs \"node\""),
                            root.TryGetProperty("attacker", out var attacker) && attacker.ValueKind is JsonValueKind.True or JsonValueKind.False ? attacker.GetBoolean() : null,
                            Long(root, "clipped") ?? 0, Long(root, "discarded") ?? 0, Number(root, "delta")));
                        break;
                    default:
                        break;
                }
            }
            catch (JsonException ex)
            {
                // A daemon killed mid-write leaves a torn last line; anything else is corruption worth naming.
                throw new MetricsFormatException(string.Create(
                    CultureInfo.InvariantCulture, $"{file}:{lineNumber}: not valid JSON ({ex.Message})"));
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException)
            {
                throw new MetricsFormatException(string.Create(CultureInfo.InvariantCulture, $"{file}:{lineNumber}: {ex.Message}"));
            }
        }
    }

    private static JsonElement? ReadConfiguration(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new MetricsFormatException($"{path}: not valid JSON ({ex.Message})");
        }
    }

    private static long RequiredRound(JsonElement root, string file, int line) =>
        Long(root, "round") ?? throw new MetricsFormatException(string.Create(CultureInfo.InvariantCulture, $"{file}:{line}: missing \"round\""));

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static long? Long(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;

    private static int? Int(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;
}
