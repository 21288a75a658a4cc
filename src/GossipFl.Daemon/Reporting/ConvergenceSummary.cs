using System.Globalization;
using System.Text;

namespace GossipFl.Daemon.Reporting;

/// <summary>
/// A plain-text table of where each peer ended: last round, training loss, last test accuracy (shared test set) and,
/// for peers that train on their own data, last validation accuracy (their own held-out data). In a simulated attack
/// the attackers are marked and the honest peers' mean is given apart.
/// </summary>
internal static class ConvergenceSummary
{
    public static string Render(RunMetrics run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var c = CultureInfo.InvariantCulture;
        var width = Math.Max(4, run.NodeNames.Select(n => n.Length).DefaultIfEmpty(4).Max());
        var text = new StringBuilder();
        var validating = run.Nodes.Any(n => n.ValidationAccuracy is not null);
        text.Append(c, $"{"peer".PadRight(width)}  last round  train loss  test accuracy{(validating ? "  validation accuracy" : "")}\n");
        var accuracies = new List<double>();
        var honest = new List<double>();
        var validations = new List<double>();
        foreach (var name in run.NodeNames)
        {
            var mine = run.Nodes.Where(n => n.Node == name).ToArray();
            var last = mine[^1];
            var accuracy = mine.LastOrDefault(n => n.TestAccuracy is not null)?.TestAccuracy;
            var attacker = run.Attackers.Contains(name);
            if (accuracy is { } a)
            {
                accuracies.Add(a);
                if (!attacker)
                {
                    honest.Add(a);
                }
            }

            var validation = mine.LastOrDefault(n => n.ValidationAccuracy is not null)?.ValidationAccuracy;
            if (validation is { } v)
            {
                validations.Add(v);
            }

            var validationText = validating ? $"  {validation?.ToString("0.00%", c) ?? "—",19}" : "";
            var stopped = (last.Round < run.LastRound ? " (stopped early)" : string.Empty) + (attacker ? " (attacker)" : string.Empty);
            // A FedAvg peer trains only in the rounds it is sampled: show its latest training loss.
            var loss = mine.LastOrDefault(n => n.TrainLoss is not null)?.TrainLoss;
            text.Append(c, $"{name.PadRight(width)}  {last.Round,10}  {loss?.ToString("0.0000", c) ?? "—",10}  {accuracy?.ToString("0.00%", c) ?? "—",13}{validationText}{stopped}\n");
        }

        if (accuracies.Count > 0)
        {
            text.Append(c, $"mean test accuracy {accuracies.Average():0.00%} (min {accuracies.Min():0.00%}, max {accuracies.Max():0.00%}) over {accuracies.Count} peers");
            if (run.Attackers.Count > 0 && honest.Count > 0)
            {
                // An attacker's own model is not what the attack is measured by; the simulator's summary says the same.
                text.Append(c, $"\nmean honest test accuracy {honest.Average():0.00%} (min {honest.Min():0.00%}, max {honest.Max():0.00%}) over {honest.Count} peers, attackers left out");
            }
        }

        if (validations.Count > 0)
        {
            text.Append(c, $"{(accuracies.Count > 0 ? "\n" : "")}mean validation accuracy {validations.Average():0.00%} (min {validations.Min():0.00%}, max {validations.Max():0.00%}) over {validations.Count} peers, each on its own held-out data");
        }

        var coordinators = CoordinatorTimeline.Of(run);
        if (coordinators.Count > 0)
        {
            text.Append(c, $"\ncoordinators: {string.Join("; ", coordinators.Select(s => s.Describe()))}");
        }

        return text.ToString().TrimEnd('\n');
    }
}
