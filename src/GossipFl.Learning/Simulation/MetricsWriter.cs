using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GossipFl.Learning.Simulation;

/// <summary>
/// Writes a run's metrics under a directory: <c>metrics.jsonl</c> (one "round" line per round and one "node"
/// line per node per evaluated round; a run with a robust rule or an attack ends with one "peer" line per
/// node: its clipped and discarded totals and whether it attacked), <c>rounds.csv</c> (the round lines) and <c>run.json</c> (the
/// configuration). Lines are flushed every round, so a stopped run leaves every completed round on disk.
/// Names are fixed: the report and inspect tools read them.
/// </summary>
public sealed class MetricsWriter : IMetricsSink, IDisposable
{
    public const string MetricsFileName = "metrics.jsonl";
    public const string RoundsFileName = "rounds.csv";
    public const string RunFileName = "run.json";

    private const string CsvHeader =
        "round,nodes,alive,mean_train_loss,regret,mean_test_accuracy,min_test_accuracy,max_test_accuracy,consensus_distance,bytes,messages,bytes_per_neighbour,seconds";

    /// <summary>Columns a run with a robust rule or an attack adds to <see cref="CsvHeader"/>.</summary>
    private const string RobustnessColumns = ",mean_honest_test_accuracy,clipped,discarded";

    /// <summary>Columns a run with peer-level DP adds (after the robustness columns when both apply).</summary>
    private const string PrivacyColumns = ",max_epsilon,dp_stopped";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly StreamWriter _jsonl;
    private readonly StreamWriter _csv;
    private readonly MemoryStream _buffer = new();
    private readonly bool _robustness;
    private readonly bool _privacy;

    /// <param name="directory">Where the files go (created if missing).</param>
    /// <param name="append">Continue existing files (a daemon resuming after a restart) instead of starting them anew.</param>
    /// <param name="robustness">
    /// The run has a robust rule or an attack: rounds.csv gets the honest peers' mean accuracy and the round's clipped
    /// and discarded counts as three more columns (runs without keep the columns they always had).
    /// </param>
    /// <param name="privacy">The run has peer-level DP: rounds.csv gets the largest ε spent and the peers the budget stopped.</param>
    public MetricsWriter(string directory, bool append = false, bool robustness = false, bool privacy = false)
    {
        _robustness = robustness;
        _privacy = privacy;
        ArgumentNullException.ThrowIfNull(directory);
        System.IO.Directory.CreateDirectory(directory);
        Directory = directory;
        var csvPath = Path.Combine(directory, RoundsFileName);
        var csvExisted = append && File.Exists(csvPath) && new FileInfo(csvPath).Length > 0;
        _jsonl = new StreamWriter(Path.Combine(directory, MetricsFileName), append, new UTF8Encoding(false));
        _csv = new StreamWriter(csvPath, append, new UTF8Encoding(false));
        if (!csvExisted)
        {
            _csv.WriteLine(CsvHeader + (robustness ? RobustnessColumns : "") + (privacy ? PrivacyColumns : ""));
        }
    }

    public string Directory { get; }

    /// <summary>Writes <c>run.json</c> from a configuration object (serialized with its property names).</summary>
    public void WriteRun(object configuration)
    {
        var text = JsonSerializer.Serialize(configuration, Indented);
        File.WriteAllText(Path.Combine(Directory, RunFileName), text + "\n", new UTF8Encoding(false));
    }

    public void WriteRound(RoundMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        WriteLine(writer =>
        {
            writer.WriteString("kind", "round");
            writer.WriteNumber("round", metrics.Round);
            writer.WriteNumber("nodes", metrics.Nodes);
            writer.WriteNumber("alive", metrics.Alive);
            Number(writer, "mean_train_loss", metrics.MeanTrainLoss);
            Number(writer, "regret", metrics.Regret);
            Number(writer, "mean_test_accuracy", metrics.MeanTestAccuracy);
            Number(writer, "min_test_accuracy", metrics.MinTestAccuracy);
            Number(writer, "max_test_accuracy", metrics.MaxTestAccuracy);
            Number(writer, "consensus_distance", metrics.ConsensusDistance);
            writer.WriteNumber("bytes", metrics.Bytes);
            writer.WriteNumber("messages", metrics.Messages);
            Number(writer, "bytes_per_neighbour", metrics.BytesPerNeighbour);
            writer.WriteNumber("seconds", Math.Round(metrics.Seconds, 6));
            if (_robustness)
            {
                Number(writer, "mean_honest_test_accuracy", metrics.MeanHonestTestAccuracy);
                writer.WriteNumber("clipped", metrics.Clipped);
                writer.WriteNumber("discarded", metrics.Discarded);
            }

            if (_privacy)
            {
                Number(writer, "max_epsilon", metrics.MaxEpsilon);
                writer.WriteNumber("dp_stopped", metrics.PrivacyStopped ?? 0);
            }
        });
        var row = string.Join(
            ',',
            Csv(metrics.Round), Csv(metrics.Nodes), Csv(metrics.Alive), Csv(metrics.MeanTrainLoss), Csv(metrics.Regret),
            Csv(metrics.MeanTestAccuracy), Csv(metrics.MinTestAccuracy), Csv(metrics.MaxTestAccuracy), Csv(metrics.ConsensusDistance),
            Csv(metrics.Bytes), Csv(metrics.Messages), Csv(metrics.BytesPerNeighbour), Csv(Math.Round(metrics.Seconds, 6)));
        if (_robustness)
        {
            row = string.Join(',', row, Csv(metrics.MeanHonestTestAccuracy), Csv(metrics.Clipped), Csv(metrics.Discarded));
        }

        if (_privacy)
        {
            row = string.Join(',', row, Csv(metrics.MaxEpsilon), Csv(metrics.PrivacyStopped ?? 0));
        }

        _csv.WriteLine(row);
        _jsonl.Flush();
        _csv.Flush();
    }

    public void WriteNode(NodeMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        WriteLine(writer =>
        {
            writer.WriteString("kind", "node");
            writer.WriteNumber("round", metrics.Round);
            writer.WriteString("node", metrics.Node);
            Number(writer, "train_loss", metrics.TrainLoss);
            Number(writer, "test_loss", metrics.TestLoss);
            Number(writer, "test_accuracy", metrics.TestAccuracy);
            Number(writer, "weight", metrics.Weight);
            writer.WriteNumber("bytes_sent", metrics.BytesSent);
            writer.WriteNumber("bytes_received", metrics.BytesReceived);
            if (metrics.Coordinator is not null)
            {
                writer.WriteString("coordinator", metrics.Coordinator);
            }

            if (metrics.Term is { } term)
            {
                writer.WriteNumber("term", term);
            }

            if (metrics.ValidationAccuracy is not null)
            {
                Number(writer, "validation_loss", metrics.ValidationLoss);
                Number(writer, "validation_accuracy", metrics.ValidationAccuracy);
            }

            if (metrics.Delta is { } delta)
            {
                Number(writer, "epsilon", metrics.Epsilon);
                writer.WriteNumber("delta", delta);
            }
        });
        _jsonl.Flush();
    }

    public void WritePeer(PeerTotals totals)
    {
        ArgumentNullException.ThrowIfNull(totals);
        WriteLine(writer =>
        {
            writer.WriteString("kind", "peer");
            writer.WriteString("node", totals.Node);
            if (totals.Attacker is { } attacker)
            {
                writer.WriteBoolean("attacker", attacker);
            }

            writer.WriteNumber("clipped", totals.Clipped);
            writer.WriteNumber("discarded", totals.Discarded);
            if (totals.Delta is { } delta)
            {
                Number(writer, "epsilon", totals.Epsilon);
                writer.WriteNumber("delta", delta);
                if (totals.PrivacyStoppedBefore is { } stopped)
                {
                    writer.WriteNumber("dp_stopped_before_round", stopped);
                }
            }
        });
        _jsonl.Flush();
    }

    public void Dispose()
    {
        _jsonl.Dispose();
        _csv.Dispose();
        _buffer.Dispose();
    }

    /// <summary>JSON has no NaN or infinity: such values (e.g. no peer alive) are written as null.</summary>
    private static void Number(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static string Csv(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Csv(long value) => value.ToString(CultureInfo.InvariantCulture);

    private void WriteLine(Action<Utf8JsonWriter> body)
    {
        _buffer.SetLength(0);
        using (var writer = new Utf8JsonWriter(_buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        _jsonl.WriteLine(Encoding.UTF8.GetString(_buffer.GetBuffer(), 0, (int)_buffer.Length));
    }
}
