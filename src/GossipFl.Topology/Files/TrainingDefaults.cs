namespace GossipFl.Topology.Files;

/// <summary>
/// The optional <c>training:</c> section: defaults that daemons and the simulator use unless the command
/// line overrides them. Absent keys are null. Model, dataset and partition are names the learning side
/// resolves; this project only checks their shape.
/// </summary>
public sealed record TrainingDefaults
{
    /// <summary>
    /// Algorithms the file may name (ARCHITECTURE.md §4): the paper's names and the command line's short ones, so
    /// <c>--algorithm</c> and the file accept the same words (<c>push-sum</c> = <c>ops</c>, <c>d-psgd</c> = <c>dsgd</c>).
    /// </summary>
    public static readonly IReadOnlyList<string> KnownAlgorithms = ["push-sum", "ops", "d-psgd", "dsgd", "dol", "fedavg", "centralized"];

    /// <summary>Whether <paramref name="algorithm"/> is D-PSGD under either of its names.</summary>
    public static bool IsDPsgd(string? algorithm) => algorithm is "d-psgd" or "dsgd";

    public string? Algorithm { get; init; }

    /// <summary>The task contract every peer must agree on (<c>training: task:</c>); null when the file declares none.</summary>
    public TaskDeclaration? Task { get; init; }

    public string? Model { get; init; }

    public string? Dataset { get; init; }

    public string? Partition { get; init; }

    public int? Rounds { get; init; }

    public int? LocalSteps { get; init; }

    public int? BatchSize { get; init; }

    public double? LearningRate { get; init; }

    public ulong? Seed { get; init; }

    /// <summary>FedAvg: local epochs E a sampled client trains per round.</summary>
    public int? LocalEpochs { get; init; }

    /// <summary>FedAvg: fraction C of the live peers sampled per round, in (0, 1].</summary>
    public double? ClientFraction { get; init; }

    /// <summary>FedAvg: votes that elect a coordinator, <c>majority</c> or a count; the daemon checks it against the node count.</summary>
    public string? Quorum { get; init; }

    /// <summary>Daemon round pacing: <c>sync</c> or <c>async</c>.</summary>
    public string? Mode { get; init; }

    /// <summary>Asynchronous mode's staleness bound τ (rounds), at least 0.</summary>
    public int? Staleness { get; init; }

    /// <summary>
    /// How received models are combined (<c>aggregation:</c>): <c>mean</c>, or a Byzantine-robust rule such as
    /// <c>trimmed:2</c> or <c>clipped:auto</c>; the learning side parses and checks it against the algorithm.
    /// </summary>
    public string? Aggregation { get; init; }

    /// <summary>
    /// The codec of what peers send: <c>none</c>, <c>fp16</c>, <c>int8</c>, <c>sign</c> or <c>topk:FRACTION</c> (docs/algorithms.md,
    /// "Compressed gossip"). Part of the task signature: peers with different codecs do not mix.
    /// </summary>
    public string? Compress { get; init; }

    /// <summary>
    /// FedAvg with secure aggregation (<c>secure_aggregation: true</c>): the coordinator learns only the weighted sum of
    /// the clients' updates. Part of the task signature.
    /// </summary>
    public bool? SecureAggregation { get; init; }

    /// <summary>Compressed gossip's consensus step γ in (0, 1]; null: the codec's default.</summary>
    public double? ConsensusStep { get; init; }

    /// <summary>
    /// Peer-level DP (docs/privacy.md): the clip norm C of each round's update (a number or <c>inf</c>); with
    /// <see cref="DpNoise"/> or <see cref="DpEpsilonTarget"/>, part of the task signature.
    /// </summary>
    public string? DpClip { get; init; }

    /// <summary>Peer-level DP: the noise multiplier σ (noise N(0, (σC)²) per coordinate).</summary>
    public double? DpNoise { get; init; }

    /// <summary>Peer-level DP: calibrate σ so the run's rounds reach this ε (instead of <see cref="DpNoise"/>).</summary>
    public double? DpEpsilonTarget { get; init; }

    /// <summary>Sample-level DP-SGD: the L2 norm each sample's gradient is clipped to (with <see cref="DpSampleNoise"/>).</summary>
    public double? DpSampleClip { get; init; }

    /// <summary>Sample-level DP-SGD: the noise multiplier σ of each optimizer step.</summary>
    public double? DpSampleNoise { get; init; }

    /// <summary>Peer-level DP: the δ ε is reported at (default 1 / the node's sample count, rounded down to a power of ten).</summary>
    public double? DpDelta { get; init; }

    /// <summary>Peer-level DP: a node stops training before a round that would take its ε above this.</summary>
    public double? DpEpsilonBudget { get; init; }

    /// <summary>Whether <paramref name="text"/> has the shape of a codec name (the learning side parses it fully).</summary>
    public static bool IsCodecName(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t is "none" or "fp16" or "float16" or "int8" or "sign")
        {
            return true;
        }

        return t.StartsWith("topk:", StringComparison.Ordinal)
            && double.TryParse(t["topk:".Length..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var fraction)
            && fraction > 0 && fraction <= 1;
    }

    /// <summary>The forms <see cref="Aggregation"/> may take, for error messages (the learning side's <c>AggregationSpec</c> parses them).</summary>
    public static readonly IReadOnlyList<string> KnownAggregations = ["mean", "median", "trimmed:F", "krum:F", "normbound:C", "clipped:TAU", "clipped:auto"];

    /// <summary>
    /// Whether <paramref name="text"/> has the shape of an aggregation rule: <c>mean</c>, <c>median</c>, <c>trimmed:F</c> or
    /// <c>krum:F</c> (F a whole number ≥ 1), <c>normbound:C</c> or <c>clipped:TAU</c> (a finite radius &gt; 0), <c>clipped:auto</c>.
    /// Whether the rule fits the algorithm is the learning side's check.
    /// </summary>
    public static bool IsAggregationName(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        var colon = t.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? t : t[..colon];
        var argument = colon < 0 ? null : t[(colon + 1)..];
        return name switch
        {
            "mean" or "median" => argument is null,
            "trimmed" or "krum" => int.TryParse(argument, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) && count >= 1,
            "clipped" when argument == "auto" => true,
            "normbound" or "clipped" => double.TryParse(argument, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var radius)
                && radius > 0 && double.IsFinite(radius),
            _ => false,
        };
    }

    /// <summary>Values <see cref="Mode"/> may take.</summary>
    public static readonly IReadOnlyList<string> KnownModes = ["sync", "async"];
}
