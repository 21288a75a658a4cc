using System.Buffers.Binary;
using GossipFl.Daemon.Node;
using GossipFl.Daemon.Reporting;

namespace GossipFl.Daemon.Inspection;

/// <summary>
/// Where the daemons of a run stand, read from what they write in their data directories below one run directory
/// (<c>scripts/simulate.sh</c>'s layout): each node's latest metrics line and its newest checkpoint, whose de-biased
/// model gives each peer's distance to the peers' mean. Nothing is asked of the daemons themselves, so this works
/// for daemons in network namespaces the caller cannot reach.
/// </summary>
internal sealed record RunProgress(IReadOnlyList<RunProgress.Peer> Peers, double? ConsensusDistance)
{
    /// <summary>One node: its newest metrics (last known test and validation accuracy) and distance to the mean model.</summary>
    public sealed record Peer(
        string Node, long Round, double? TrainLoss, double? TestAccuracy, double? ValidationAccuracy, string? Coordinator, long? Term, double? Distance);

    public static RunProgress Read(string runDirectory)
    {
        var peers = new List<Peer>();
        var models = new List<(int Index, float[] Model)>();
        foreach (var directory in Directory.GetDirectories(runDirectory).Order(NaturalOrder.Instance))
        {
            var metrics = Path.Combine(directory, MetricsReader.MetricsFile);
            if (!File.Exists(metrics))
            {
                continue;
            }

            RunMetrics run;
            try
            {
                run = MetricsReader.Read(directory);
            }
            catch (MetricsFormatException)
            {
                // Started but no round finished yet, or a line being written: nothing to show for it yet.
                continue;
            }

            var nodes = run.Nodes;
            var last = nodes[^1];
            peers.Add(new Peer(last.Node, last.Round, nodes.LastOrDefault(n => n.TrainLoss is not null)?.TrainLoss,
                nodes.LastOrDefault(n => n.TestAccuracy is not null)?.TestAccuracy, nodes.LastOrDefault(n => n.ValidationAccuracy is not null)?.ValidationAccuracy,
                last.Coordinator, last.Term, null));
            if (NewestModel(directory) is { } model)
            {
                models.Add((peers.Count - 1, model));
            }
        }

        if (models.Count < 2 || models.Select(m => m.Model.Length).Distinct().Count() != 1)
        {
            return new RunProgress(peers, null);
        }

        var distances = Inspection.ConsensusDistance.PerPeer(models.Select(m => m.Model).ToArray());
        for (var i = 0; i < models.Count; i++)
        {
            peers[models[i].Index] = peers[models[i].Index] with { Distance = distances[i] };
        }

        return new RunProgress(peers, distances.Average());
    }

    /// <summary>The de-biased model of a node's newest checkpoint that verifies, or null (none yet, or being replaced).</summary>
    private static float[]? NewestModel(string dataDirectory)
    {
        var directory = Path.Combine(dataDirectory, "checkpoints");
        if (!Directory.Exists(directory))
        {
            return null;
        }

        Span<byte> header = stackalloc byte[32];
        foreach (var file in Directory.GetFiles(directory, "round-*.ckpt").OrderDescending(StringComparer.Ordinal))
        {
            try
            {
                using var stream = File.OpenRead(file);
                if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
                {
                    continue;
                }

                var count = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
                if (count is <= 0 or > int.MaxValue / 4)
                {
                    continue;
                }

                stream.Close();
                if (CheckpointStore.TryRead(file, (int)count, out var checkpoint, out _))
                {
                    return checkpoint.Model();
                }
            }
            catch (IOException)
            {
                // Pruned while being read: the next older one, or the next refresh, will do.
            }
        }

        return null;
    }
}
