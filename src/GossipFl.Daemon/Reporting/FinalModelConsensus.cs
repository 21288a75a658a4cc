using GossipFl.Daemon.Inspection;
using GossipFl.Learning.Models;

namespace GossipFl.Daemon.Reporting;

/// <summary>
/// The consensus distance of a daemon run at its end, from the final models the daemons wrote
/// (<c>NODE/final.safetensors</c>): daemons cannot measure it themselves, since each holds only its own model.
/// </summary>
internal static class FinalModelConsensus
{
    /// <summary>Mean ‖z_i − z̄‖² over the peers' final models, or null when fewer than two of one round are there.</summary>
    public static double? Of(string runDirectory)
    {
        var models = new List<(string Round, float[] Values)>();
        if (!Directory.Exists(runDirectory))
        {
            return null;
        }

        foreach (var file in Directory.GetDirectories(runDirectory).Order(StringComparer.Ordinal)
                     .Select(d => Path.Combine(d, "final.safetensors")).Where(File.Exists))
        {
            try
            {
                var (tensors, metadata) = SafeTensorsFile.Read(file);
                models.Add((metadata.TryGetValue("gossipfl.round", out var round) ? round : "?", tensors.SelectMany(t => t.ToFloats()).ToArray()));
            }
            catch (Exception ex) when (ex is SafeTensorsFormatException or IOException or InvalidOperationException)
            {
                // A damaged or foreign file leaves that peer out of the figure; the rest of the report still stands.
                Console.Error.WriteLine($"report: leaving {file} out of the consensus distance: {ex.Message}");
            }
        }

        // Peers that stopped early wrote no final model; compare only models of the same (last) round.
        var last = models.GroupBy(m => m.Round).OrderByDescending(g => g.Count()).FirstOrDefault();
        return last is null || last.Count() < 2 || last.Select(m => m.Values.Length).Distinct().Count() != 1
            ? null
            : ConsensusDistance.PerPeer(last.Select(m => m.Values).ToArray()).Average();
    }
}
