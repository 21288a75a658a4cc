using System.Globalization;
using GossipFl.Learning.Algorithms;

namespace GossipFl.Learning.Robustness;

/// <summary>
/// A parsed <c>--aggregation</c> value: <c>mean</c>, <c>median</c>, <c>trimmed:F</c>, <c>krum:F</c>,
/// <c>normbound:C</c> (FedAvg) or <c>clipped:TAU</c> / <c>clipped:auto</c> (gossip). F is the number of Byzantine
/// contributions per round the rule is built to tolerate; C and TAU are Euclidean radii in parameter space.
/// </summary>
/// <param name="Rule">The rule.</param>
/// <param name="Tolerated">F for <c>trimmed</c> and <c>krum</c>; 0 otherwise.</param>
/// <param name="Radius">C for <c>normbound</c>, a fixed τ for <c>clipped</c>; 0 otherwise (and for <c>clipped:auto</c>).</param>
public sealed record AggregationSpec(AggregationRule Rule, int Tolerated = 0, double Radius = 0)
{
    public static AggregationSpec Mean { get; } = new(AggregationRule.Mean);

    public static IReadOnlyList<string> Accepted { get; } = ["mean", "median", "trimmed:F", "krum:F", "normbound:C", "clipped:TAU", "clipped:auto"];

    /// <summary><c>clipped:auto</c>: τ re-chosen every round from the neighbours' distances (<see cref="SelfCenteredClipping"/>).</summary>
    public bool AdaptiveRadius => Rule == AggregationRule.Clipped && Radius == 0;

    public bool IsMean => Rule == AggregationRule.Mean;

    /// <exception cref="FormatException">The text is not one of <see cref="Accepted"/>, naming what was wrong.</exception>
    public static AggregationSpec Parse(string? text)
    {
        var trimmed = text?.Trim().ToLowerInvariant() ?? "";
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? trimmed : trimmed[..colon];
        var argument = colon < 0 ? null : trimmed[(colon + 1)..];
        switch (name)
        {
            case "mean" or "median":
                if (argument is not null)
                {
                    throw new FormatException($"aggregation '{text}': {name} takes no parameter");
                }

                return name == "mean" ? Mean : new AggregationSpec(AggregationRule.Median);
            case "trimmed" or "krum":
                var count = Count(text, name, argument);
                return new AggregationSpec(name == "trimmed" ? AggregationRule.TrimmedMean : AggregationRule.Krum, Tolerated: count);
            case "normbound":
                return new AggregationSpec(AggregationRule.NormBound, Radius: Positive(text, name, argument));
            case "clipped":
                return argument == "auto"
                    ? new AggregationSpec(AggregationRule.Clipped)
                    : new AggregationSpec(AggregationRule.Clipped, Radius: Positive(text, name, argument));
            default:
                throw new FormatException($"unknown aggregation '{text}'; use one of: {string.Join(", ", Accepted)}");
        }
    }

    /// <summary>
    /// Refuses a rule that makes no sense with <paramref name="algorithm"/>, in one line saying why: the
    /// coordinate-wise and selection rules need a server's view of every client (FedAvg); gossip nodes see a few
    /// neighbours and clip them; FedAvg clips updates with <c>normbound</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The combination is refused.</exception>
    public void EnsureFits(AlgorithmKind algorithm)
    {
        if (IsMean)
        {
            return;
        }

        var gossip = AlgorithmNames.SchemeOf(algorithm) is not null;
        if (algorithm == AlgorithmKind.Centralized)
        {
            throw new ArgumentException($"aggregation {this}: centralized training aggregates nothing; use mean");
        }

        if (gossip && Rule != AggregationRule.Clipped)
        {
            throw new ArgumentException(
                $"aggregation {this} needs a server that sees every client (fedavg); gossip nodes see a few neighbours: use clipped:TAU or clipped:auto");
        }

        if (!gossip && Rule == AggregationRule.Clipped)
        {
            throw new ArgumentException($"aggregation {this} is gossip's neighbour clipping; for fedavg clip client updates with normbound:C");
        }
    }

    /// <summary>
    /// What a FedAvg rule no longer does when the coordinator combines <paramref name="clients"/> models a round, or null
    /// when it is what it says (docs/algorithms.md, "Byzantine-robust aggregation"): <c>trimmed:F</c> with n ≤ 2F is the
    /// coordinate-wise median, <c>krum:F</c> with n ≤ 2F + 2 selects among clamped neighbour counts without Krum's
    /// guarantee, and <c>median</c> of n ≤ 2 values is their mean (one liar moves it anywhere). All still run; the
    /// operator should hear that the rule does not tolerate what its name promises.
    /// </summary>
    public string? Weakness(int clients) => Rule switch
    {
        AggregationRule.Median when clients < 3 => string.Create(CultureInfo.InvariantCulture,
            $"aggregation median with {clients} client(s) per round: the median of fewer than 3 values is their mean, which tolerates no Byzantine client (needs at least 3)"),
        AggregationRule.TrimmedMean when clients <= 2 * Tolerated => string.Create(CultureInfo.InvariantCulture,
            $"aggregation {this} with {clients} client(s) per round: dropping {Tolerated} values from each side leaves none (needs more than 2F = {2 * Tolerated}), so it is the coordinate-wise median, which tolerates {(clients - 1) / 2}"),
        AggregationRule.Krum when clients <= (2 * Tolerated) + 2 => string.Create(CultureInfo.InvariantCulture,
            $"aggregation {this} with {clients} client(s) per round: Krum tolerates F only with more than 2F + 2 = {(2 * Tolerated) + 2} clients; with fewer its neighbour count and selection are clamped to at least 1 and the guarantee is gone"),
        _ => null,
    };

    /// <summary>
    /// <see cref="Weakness"/> for a FedAvg run of <paramref name="nodes"/> peers at client fraction
    /// <paramref name="clientFraction"/>, with the setting that causes it, as the simulator and the daemon say it.
    /// </summary>
    public string? FedAvgWeakness(double clientFraction, int nodes) =>
        Weakness(FedAvgCoordinator.ClientsPerRound(clientFraction, nodes)) is { } weakness
            ? string.Create(CultureInfo.InvariantCulture, $"{weakness} (--client-fraction {clientFraction} of {nodes} peers)")
            : null;

    public override string ToString() => Rule switch
    {
        AggregationRule.Mean => "mean",
        AggregationRule.Median => "median",
        AggregationRule.TrimmedMean => string.Create(CultureInfo.InvariantCulture, $"trimmed:{Tolerated}"),
        AggregationRule.Krum => string.Create(CultureInfo.InvariantCulture, $"krum:{Tolerated}"),
        AggregationRule.NormBound => string.Create(CultureInfo.InvariantCulture, $"normbound:{Radius:R}"),
        AggregationRule.Clipped => AdaptiveRadius ? "clipped:auto" : string.Create(CultureInfo.InvariantCulture, $"clipped:{Radius:R}"),
        _ => Rule.ToString(),
    };

    private static int Count(string? text, string name, string? argument)
    {
        if (argument is null || !int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            throw new FormatException($"aggregation '{text}': {name}:F needs F, the Byzantine clients to tolerate per round, as a whole number >= 1 (e.g. {name}:2)");
        }

        return count;
    }

    private static double Positive(string? text, string name, string? argument)
    {
        var what = name == "clipped" ? "TAU (a radius > 0, or auto)" : "C (a radius > 0)";
        if (argument is null
            || !double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !(value > 0) || double.IsInfinity(value))
        {
            throw new FormatException($"aggregation '{text}': {name} needs {what}, e.g. {name}:{(name == "clipped" ? "auto" : "5")}");
        }

        return value;
    }
}
