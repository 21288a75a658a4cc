using GossipFl.Topology.Mixing;

namespace GossipFl.Learning.Algorithms;

/// <summary>
/// The one parser for algorithm names: the command line's short names (<c>ops</c>, <c>dsgd</c>) and the
/// topology files' names (<c>push-sum</c>, <c>d-psgd</c>) map to the same <see cref="AlgorithmKind"/>.
/// </summary>
public static class AlgorithmNames
{
    public static IReadOnlyList<string> Accepted { get; } = ["ops", "push-sum", "dsgd", "d-psgd", "dol", "fedavg", "centralized"];

    public static bool TryParse(string? text, out AlgorithmKind kind)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "ops" or "push-sum" or "pushsum":
                kind = AlgorithmKind.PushSum;
                return true;
            case "dsgd" or "d-psgd" or "dpsgd":
                kind = AlgorithmKind.DPsgd;
                return true;
            case "dol":
                kind = AlgorithmKind.Dol;
                return true;
            case "fedavg":
                kind = AlgorithmKind.FedAvg;
                return true;
            case "centralized":
                kind = AlgorithmKind.Centralized;
                return true;
            default:
                kind = default;
                return false;
        }
    }

    /// <exception cref="FormatException">The name is not one of <see cref="Accepted"/>.</exception>
    public static AlgorithmKind Parse(string? text) => TryParse(text, out var kind)
        ? kind
        : throw new FormatException($"unknown algorithm '{text}'; use one of: {string.Join(", ", Accepted)}");

    /// <summary>The short name used in metrics and on the console.</summary>
    public static string NameOf(AlgorithmKind kind) => kind switch
    {
        AlgorithmKind.PushSum => "ops",
        AlgorithmKind.DPsgd => "dsgd",
        AlgorithmKind.Dol => "dol",
        AlgorithmKind.FedAvg => "fedavg",
        AlgorithmKind.Centralized => "centralized",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown algorithm"),
    };

    /// <summary>The mixing scheme a gossip algorithm uses; null for FedAvg and centralized training.</summary>
    public static MixingScheme? SchemeOf(AlgorithmKind kind) => kind switch
    {
        AlgorithmKind.PushSum => MixingScheme.PushSum,
        AlgorithmKind.DPsgd => MixingScheme.MetropolisHastings,
        AlgorithmKind.Dol => MixingScheme.RowStochastic,
        _ => null,
    };
}
