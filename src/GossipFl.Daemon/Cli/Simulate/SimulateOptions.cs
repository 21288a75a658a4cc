using System.CommandLine;
using System.Globalization;
using GossipFl.Daemon.Cli.Topology;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Compression;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Learning.Robustness;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Analysis;
using GossipFl.Topology.Files;

namespace GossipFl.Daemon.Cli.Simulate;

/// <summary>
/// The options of <c>gossipfl simulate</c> and their resolution: a flag wins, then the topology file's
/// <c>training:</c> section, then the built-in default (chosen so a bare run is meaningful and under a minute).
/// </summary>
internal sealed class SimulateOptions
{
    public const string DefaultGenerator = "one-way-trust";
    public const int DefaultNodes = 16;

    public Option<FileInfo?> Topology { get; } = new("--topology") { Description = "topology file (YAML); or use --generator" };
    public Option<string?> Generator { get; } = new("--generator") { Description = $"generate the graph: a generator name (default {DefaultGenerator} when no --topology)" };
    public Option<int> Nodes { get; } = new("--nodes") { Description = "peers for --generator", DefaultValueFactory = _ => DefaultNodes };
    public Option<string[]> Parameters { get; } = new("--param") { Description = "generator parameter NAME=VALUE, repeatable", AllowMultipleArgumentsPerToken = false };
    public Option<bool> TimeVarying { get; } = new("--time-varying") { Description = "re-draw the generated graph every round" };
    public Option<string?> Algorithm { get; } = new("--algorithm") { Description = "ops (push-sum), dsgd (d-psgd), dol, fedavg or centralized; default ops" };
    public Option<string?> Model { get; } = new("--model") { Description = "logreg, mlp, mlp:W1,W2,..., lenet or a TorchScript file; default mlp (logreg when --online)" };
    public Option<string?> Dataset { get; } = new("--dataset") { Description = "fashion-mnist, synthetic or a CSV file; default fashion-mnist (synthetic when --online)" };
    public Option<string?> Partition { get; } = new("--partition") { Description = "iid, dirichlet:ALPHA[:MIN] or shards:K; default dirichlet:0.5" };
    public Option<int?> Rounds { get; } = new("--rounds") { Description = "synchronous rounds (epochs for centralized on libtorch data); default 30, 2000 when --online" };
    public Option<int?> LocalSteps { get; } = new("--local-steps") { Description = "mini-batch steps per peer per round; default 10, 1 when --online" };
    public Option<int> LocalEpochs { get; } = new("--local-epochs") { Description = "FedAvg: local epochs E per round", DefaultValueFactory = _ => 1 };
    public Option<double> ClientFraction { get; } = new("--client-fraction") { Description = "FedAvg: fraction C of peers per round", DefaultValueFactory = _ => 0.5 };
    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = "samples per step; default 32, 1 when --online" };
    public Option<double?> LearningRate { get; } = new("--lr") { Description = "SGD learning rate; default 0.05" };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = "seeds graph generation, data, initial model and the network; default 1" };
    public Option<double> Loss { get; } = new("--loss") { Description = "probability that a message is lost, in [0, 1]", DefaultValueFactory = _ => 0 };
    public Option<int> Delay { get; } = new("--delay") { Description = "messages arrive 0..D rounds late (uniform)", DefaultValueFactory = _ => 0 };
    public Option<string> Churn { get; } = new("--churn") { Description = "P[:MEAN]: a live peer leaves with probability P per round, returns after MEAN rounds on average (default 10)", DefaultValueFactory = _ => "0" };
    public Option<bool> ReclaimLost { get; } = new("--reclaim-lost") { Description = "senders take back undelivered push-sum shares (as over an acknowledging transport) instead of losing that mass" };
    public Option<bool> Online { get; } = new("--online") { Description = "the OPS paper's online setting: per-peer streams, one batch per round, logistic regression" };
    public Option<double> Beta { get; } = new("--beta") { Description = "online: fraction of each peer's stream from its own cluster, in [0, 1]", DefaultValueFactory = _ => 0 };
    public Option<int?> EvalEvery { get; } = new("--eval-every") { Description = "evaluate test accuracy every N rounds (and on the last); default rounds/10" };
    public Option<int> Threads { get; } = new("--threads") { Description = "worker threads for managed learners and mixing (libtorch runs on one)", DefaultValueFactory = _ => Environment.ProcessorCount };
    public Option<string> Engine { get; } = new("--engine") { Description = "libtorch engines: shared (one, parameters swapped per peer) or per-peer", DefaultValueFactory = _ => "shared" };
    public Option<string?> Aggregation { get; } = new("--aggregation") { Description = "how received models are combined: mean; fedavg: median, trimmed:F, krum:F or normbound:C; gossip: clipped:TAU or clipped:auto; default mean" };
    public Option<string?> Attack { get; } = new("--attack") { Description = "KIND:FRACTION: that fraction of peers (drawn by the seed) attacks: sign-flip, gaussian, label-flip or alie" };
    public Option<string?> Compress { get; } = new("--compress") { Description = "codec of what peers send: none (default), fp16, int8, sign (1 bit per value) or topk:FRACTION; ops runs compressed push-sum, dsgd CHOCO-SGD, fedavg compresses client updates (docs/algorithms.md)" };
    public Option<double?> ConsensusStep { get; } = new("--consensus-step") { Description = "compressed gossip's consensus step γ in (0, 1]; default 1 for fp16, int8 and sign, 2·FRACTION for topk" };
    public Option<bool> SecureAggregation { get; } = new("--secure-aggregation") { Description = "refused here: secure aggregation runs on FedAvg daemons only (gossipfl start --secure-aggregation)" };
    public Option<string?> DpClip { get; } = new("--dp-clip") { Description = PrivacyArguments.ClipHelp };
    public Option<double?> DpNoise { get; } = new("--dp-noise") { Description = PrivacyArguments.NoiseHelp };
    public Option<double?> DpEpsilonTarget { get; } = new("--dp-epsilon-target") { Description = PrivacyArguments.TargetHelp };
    public Option<double?> DpSampleClip { get; } = new("--dp-sample-clip") { Description = PrivacyArguments.SampleClipHelp };
    public Option<double?> DpSampleNoise { get; } = new("--dp-sample-noise") { Description = PrivacyArguments.SampleNoiseHelp };
    public Option<double?> DpDelta { get; } = new("--dp-delta") { Description = PrivacyArguments.DeltaHelp };
    public Option<double?> DpEpsilonBudget { get; } = new("--dp-epsilon-budget") { Description = PrivacyArguments.BudgetHelp };
    public Option<ulong?> DpNoiseSeed { get; } = new("--dp-noise-seed") { Description = PrivacyArguments.SeedHelp };
    public Option<DirectoryInfo?> Out { get; } = new("--out") { Description = "write metrics.jsonl, rounds.csv and run.json here" };

    public IEnumerable<Option> All =>
    [
        Topology, Generator, Nodes, Parameters, TimeVarying, Algorithm, Model, Dataset, Partition, Rounds, LocalSteps, LocalEpochs,
        ClientFraction, BatchSize, LearningRate, Seed, Loss, Delay, Churn, ReclaimLost, Online, Beta, EvalEvery, Threads, Engine, Aggregation, Attack, Compress, ConsensusStep,
        DpClip, DpNoise, DpEpsilonTarget, DpSampleClip, DpSampleNoise, DpDelta, DpEpsilonBudget, DpNoiseSeed, Out,
        SecureAggregation,
    ];

    public SimulateSettings Resolve(ParseResult parse)
    {
        var topologyFile = parse.GetValue(Topology);
        var generator = parse.GetValue(Generator);
        var online = parse.GetValue(Online);
        if (topologyFile is not null && generator is not null)
        {
            throw new UsageException("give --topology FILE or --generator NAME, not both");
        }

        var seedFlag = parse.GetValue(Seed);
        TopologyDocument document;
        string topologyText;
        if (topologyFile is not null)
        {
            document = TopologyFileReader.Load(topologyFile.FullName);
            topologyText = topologyFile.Name;
        }
        else
        {
            generator ??= DefaultGenerator;
            var parameters = parse.GetValue(Parameters) ?? [];
            var nodes = parse.GetValue(Nodes);
            // The same request path as `gossipfl topology generate`, so a simulated graph can be written to a file
            // and given to daemons unchanged.
            var text = TopologyGenerateCommand.Generate(generator, nodes, parameters, seedFlag ?? 1, parse.GetValue(TimeVarying), asExplicit: false);
            document = TopologyFileReader.Parse(text);
            topologyText = $"{generator} --nodes {nodes}" + string.Concat(parameters.Select(p => " --param " + p)) + (parse.GetValue(TimeVarying) ? " --time-varying" : "");
        }

        var defaults = document.Training ?? new TrainingDefaults();
        if (parse.GetValue(SecureAggregation) || defaults.SecureAggregation == true)
        {
            // The simulator passes updates in memory; running the protocol there would only cost time, and its FedAvg
            // mean already equals the secure sum within the quantization bound (docs/secure-aggregation.md).
            throw new UsageException("secure aggregation runs on FedAvg daemons only (gossipfl start --secure-aggregation); the simulator averages in the clear: drop --secure-aggregation or 'secure_aggregation: true' to simulate the same run");
        }

        var algorithm = ParseAlgorithm(parse.GetValue(Algorithm) ?? defaults.Algorithm ?? "ops");
        var seed = seedFlag ?? defaults.Seed ?? 1;
        var rounds = AtLeast(parse.GetValue(Rounds) ?? defaults.Rounds ?? (online ? 2000 : 30), 1, "--rounds");
        var batch = AtLeast(parse.GetValue(BatchSize) ?? defaults.BatchSize ?? (online ? 1 : 32), 1, "--batch-size");
        var steps = AtLeast(parse.GetValue(LocalSteps) ?? defaults.LocalSteps ?? (online ? 1 : 10), 1, "--local-steps");
        var epochs = AtLeast(parse.GetValue(LocalEpochs), 1, "--local-epochs");
        var lr = parse.GetValue(LearningRate) ?? defaults.LearningRate ?? 0.05;
        if (!(lr >= 0) || double.IsInfinity(lr))
        {
            throw new UsageException($"--lr must be a number >= 0, got {lr.ToString(CultureInfo.InvariantCulture)}");
        }

        var model = ParseModel(parse.GetValue(Model) ?? defaults.Model ?? (online ? "logreg" : "mlp"));
        var dataset = parse.GetValue(Dataset) ?? defaults.Dataset ?? (online ? "synthetic" : "fashion-mnist");
        var partition = parse.GetValue(Partition) ?? defaults.Partition ?? "dirichlet:0.5";
        var beta = parse.GetValue(Beta);
        Probability(beta, "--beta");
        var fraction = parse.GetValue(ClientFraction);
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new UsageException($"--client-fraction must be in (0, 1], got {fraction.ToString(CultureInfo.InvariantCulture)}");
        }

        var network = new NetworkConditions(
            Probability(parse.GetValue(Loss), "--loss"),
            AtLeast(parse.GetValue(Delay), 0, "--delay"),
            ParseChurn(parse.GetValue(Churn)!, out var downtime),
            downtime);
        var engine = parse.GetValue(Engine)!.Trim().ToLowerInvariant() switch
        {
            "shared" => true,
            "per-peer" => false,
            var other => throw new UsageException($"--engine must be shared or per-peer, got '{other}'"),
        };
        var evalEvery = parse.GetValue(EvalEvery) ?? Math.Max(1, rounds / 10);
        if (evalEvery < 0)
        {
            throw new UsageException($"--eval-every must be at least 0, got {evalEvery}");
        }

        var threads = AtLeast(parse.GetValue(Threads), 1, "--threads");
        var work = algorithm == AlgorithmKind.FedAvg && !online ? new LocalWork(steps, epochs) : new LocalWork(steps);
        var nodeCount = document.Graph.NodeCount;
        var aggregationFlag = parse.GetValue(Aggregation);
        var aggregation = ParseAggregation(
            aggregationFlag ?? defaults.Aggregation ?? "mean", algorithm,
            aggregationFlag is null && defaults.Aggregation is not null ? $"{document.Path ?? topologyText}: training: aggregation" : "--aggregation");
        var attack = ParseAttack(parse.GetValue(Attack));
        if (attack is not null && nodeCount < 2)
        {
            throw new UsageException("--attack needs at least 2 peers: one must stay honest");
        }

        if (attack is not null && algorithm == AlgorithmKind.Centralized)
        {
            throw new UsageException("--attack: centralized training has no peers to attack it");
        }

        var compressFlag = parse.GetValue(Compress);
        var compression = ParseCodec(compressFlag ?? defaults.Compress ?? "none");
        // Refusals name the setting as the user wrote it: the flag, or the topology file's training: compress.
        var compressText = compressFlag is null && defaults.Compress is not null
            ? $"{document.Path ?? topologyText}: training: compress {compression}"
            : $"--compress {compression}";
        var consensusStep = parse.GetValue(ConsensusStep) ?? defaults.ConsensusStep;
        CheckCompression(compression, compressText, consensusStep, algorithm, network, parse.GetValue(TimeVarying) || document.IsTimeVarying);
        if (parse.GetValue(ConsensusStep) is { } askedStep && (compression.IsNone || algorithm == AlgorithmKind.FedAvg))
        {
            // A flag that would change nothing is refused; the topology's consensus_step gives way silently, as its other
            // defaults do when a flag overrides what they go with.
            throw new UsageException(ConsensusStepUnused(askedStep, compression));
        }
        if (!compression.IsNone && algorithm != AlgorithmKind.FedAvg && (!aggregation.IsMean || attack is not null))
        {
            throw new UsageException($"{compressText}: compressed gossip runs with --aggregation mean and no --attack so far; robust rules and attacks apply to uncompressed gossip and to FedAvg");
        }

        var privacy = PrivacyArguments.Build(
            parse.GetValue(DpClip) ?? defaults.DpClip, parse.GetValue(DpNoise) ?? defaults.DpNoise, parse.GetValue(DpEpsilonTarget) ?? defaults.DpEpsilonTarget,
            parse.GetValue(DpDelta) ?? defaults.DpDelta, parse.GetValue(DpEpsilonBudget) ?? defaults.DpEpsilonBudget, parse.GetValue(DpNoiseSeed),
            parse.GetValue(DpSampleClip) ?? defaults.DpSampleClip, parse.GetValue(DpSampleNoise) ?? defaults.DpSampleNoise);
        if (privacy is not null && algorithm == AlgorithmKind.Centralized)
        {
            throw new UsageException("--dp-*: peer-level DP protects what peers share; centralized training shares nothing");
        }

        if (privacy is { IsSampleLevel: true } && online)
        {
            throw new UsageException("--dp-sample-clip: the online logistic learner trains in managed code without DP-SGD; use peer-level DP (--dp-clip) with --online");
        }

        var attackers = attack?.ChooseAttackers(nodeCount, seed);
        if (attack?.Kind == AttackKind.Alie && attackers!.Length > nodeCount / 2)
        {
            // ALIE's z = Φ⁻¹((n − s)/n) needs s = ⌊n/2 + 1⌋ − f ≥ 1 honest peers to win over; a majority of attackers
            // has none to win over, and the formula has no value (Attacks.AlieZ).
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--attack {attack}: {attackers.Length} of {nodeCount} peers attacking; ALIE is built for a minority (at most {nodeCount / 2} of {nodeCount}, z = Φ⁻¹((n − s)/n) needs s = ⌊n/2 + 1⌋ − f ≥ 1): lower the fraction, or use sign-flip or gaussian for a majority"));
        }

        var labelFlipped = attack?.Kind == AttackKind.LabelFlip ? attackers : null;
        var workload = new WorkloadSpec(dataset, model, partition, online, beta, nodeCount, rounds, batch, lr, work, seed, engine, labelFlipped);
        var options = new SimulationOptions(
            algorithm, rounds, seed, network, evalEvery, threads, ClientFraction: fraction, ReclaimLostShares: parse.GetValue(ReclaimLost),
            Aggregation: aggregation, Attack: attack, Attackers: attackers, Compression: compression, ConsensusStep: consensusStep, Privacy: privacy);
        // FedAvg's coordinator sees round(C·N) clients a round while every peer is up (FedAvgCoordinator.ClientsPerRound).
        var warnings = new List<string>();
        if (algorithm == AlgorithmKind.FedAvg && nodeCount < 2)
        {
            warnings.Add(TopologyCheck.OneNodeFedAvg);
        }

        if (algorithm == AlgorithmKind.FedAvg && aggregation.FedAvgWeakness(fraction, nodeCount) is { } weakness)
        {
            warnings.Add(weakness);
        }

        return new SimulateSettings(document, topologyText, algorithm, workload, options, parse.GetValue(Out)?.FullName, warnings);
    }

    private static AlgorithmKind ParseAlgorithm(string text)
    {
        try
        {
            return AlgorithmNames.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new UsageException($"--algorithm: {ex.Message}");
        }
    }

    /// <param name="source">Where the value came from, for the error: <c>--aggregation</c> or the topology file's <c>training:</c> section.</param>
    private static AggregationSpec ParseAggregation(string text, AlgorithmKind algorithm, string source)
    {
        try
        {
            var spec = AggregationSpec.Parse(text);
            spec.EnsureFits(algorithm);
            return spec;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new UsageException($"{source}: {ex.Message}");
        }
    }

    private static AttackSpec? ParseAttack(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return AttackSpec.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new UsageException($"--attack: {ex.Message}");
        }
    }

    private static CodecSpec ParseCodec(string text)
    {
        try
        {
            return CodecSpec.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new UsageException($"--compress: {ex.Message}");
        }
    }

    /// <summary>The one line refusing a consensus step given where no compressed gossip runs (shared with <c>start</c>).</summary>
    internal static string ConsensusStepUnused(double step, CodecSpec codec, string where = "") => string.Create(CultureInfo.InvariantCulture,
        $"--consensus-step {step}: the consensus step γ is compressed gossip's (ops or dsgd with --compress fp16, int8, sign or topk:F), and {(codec.IsNone ? "this run sends uncompressed models (--compress none)" : "fedavg compresses client updates, which have no consensus step")}; it would change nothing, so drop it{where}");

    /// <summary>Refuses, in one line each, what compressed gossip cannot do correctly (docs/algorithms.md, "Compressed gossip").</summary>
    private static void CheckCompression(CodecSpec codec, string codecText, double? consensusStep, AlgorithmKind algorithm, NetworkConditions network, bool timeVarying)
    {
        if (consensusStep is { } step && !(step > 0 && step <= 1))
        {
            throw new UsageException($"--consensus-step must be in (0, 1], got {step.ToString(CultureInfo.InvariantCulture)}");
        }

        if (codec.IsNone)
        {
            return;
        }

        if (algorithm is AlgorithmKind.Dol or AlgorithmKind.Centralized)
        {
            throw new UsageException($"{codecText} runs with ops (compressed push-sum), dsgd (CHOCO-SGD) or fedavg, not {AlgorithmNames.NameOf(algorithm)}");
        }

        if (algorithm != AlgorithmKind.FedAvg && (network.LossProbability > 0 || network.ChurnProbability > 0))
        {
            throw new UsageException($"{codecText}: compressed gossip tracks each neighbour's estimate and needs every message to arrive (late is fine: --delay); drop --loss and --churn");
        }

        if (algorithm != AlgorithmKind.FedAvg && network.MaxDelayRounds > CompressedGossipNode.MaxTestedDelayRounds)
        {
            throw new UsageException($"{codecText}: compressed gossip is measured to converge with messages up to {CompressedGossipNode.MaxTestedDelayRounds} rounds late; --delay {network.MaxDelayRounds} is more");
        }

        if (algorithm != AlgorithmKind.FedAvg && timeVarying)
        {
            throw new UsageException($"{codecText}: compressed gossip needs a fixed graph (its estimates are summed with fixed weights); drop --time-varying");
        }
    }

    private static ModelSpec ParseModel(string text)
    {
        try
        {
            return ModelSpec.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new UsageException($"--model: {ex.Message}");
        }
    }

    private static double ParseChurn(string text, out double meanDowntime)
    {
        var parts = text.Split(':');
        meanDowntime = NetworkConditions.DefaultMeanDowntime;
        if (parts.Length > 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var probability)
            || (parts.Length == 2 && !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out meanDowntime)))
        {
            throw new UsageException($"--churn must look like P or P:MEAN (e.g. 0.01:20), got '{text}'");
        }

        if (!(meanDowntime >= 1) || double.IsInfinity(meanDowntime))
        {
            throw new UsageException($"--churn: the mean downtime must be at least 1 round, got {meanDowntime.ToString(CultureInfo.InvariantCulture)}");
        }

        return Probability(probability, "--churn");
    }

    private static double Probability(double value, string option) => value is >= 0 and <= 1
        ? value
        : throw new UsageException($"{option} must be a probability in [0, 1], got {value.ToString(CultureInfo.InvariantCulture)}");

    private static int AtLeast(int value, int minimum, string option) => value >= minimum
        ? value
        : throw new UsageException($"{option} must be at least {minimum}, got {value}");
}
