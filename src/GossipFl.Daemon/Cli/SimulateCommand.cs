using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using GossipFl.Daemon.Cli.Simulate;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Data;
using GossipFl.Learning.Models;
using GossipFl.Learning.Robustness;
using GossipFl.Learning.Simulation;
using GossipFl.Learning.Torch;
using GossipFl.Topology.Files;
using GossipFl.Topology.Mixing;
using Spectre.Console;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl simulate</c>: N peers in one process running the daemon's algorithm objects over a seeded
/// virtual network. Defaults: 16 peers on a one-way-trust graph, OPS, the MLP on Fashion-MNIST split by
/// Dirichlet(0.5). Ctrl-C stops at the end of the current round and keeps every metric written so far.
/// </summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var options = new SimulateOptions();
        var command = new Command("simulate", "Simulate N peers in one process: decentralized algorithms over a virtual network.");
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellation) =>
        {
            var error = parse.InvocationConfiguration.Error;
            return UserErrors.GuardAsync(error, () =>
            {
                // Ctrl-C and SIGTERM end the current round, then the summary is printed and the files are
                // complete; without these registrations the runtime would kill the process mid-write.
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stop));
                using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stop));
                var settings = options.Resolve(parse);
                foreach (var warning in settings.Warnings ?? [])
                {
                    error.WriteLine($"warning: {warning}");
                }

                return Task.FromResult(Run(settings, stop.Token));
            });
        });
        return command;
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true;
        stop.Cancel();
    }

    private static int Run(SimulateSettings settings, CancellationToken cancellation)
    {
        if (settings.Algorithm == AlgorithmKind.DPsgd)
        {
            // Refuse before loading any data; the message names a one-way edge.
            _ = MixingWeights.MetropolisHastings(settings.Topology.Graph);
        }

        // One libtorch thread: peers train small batches one after another, where intra-op threads gain little
        // and, on a busy machine, OpenMP spin-waiting cost 6x (docs/benchmarks.md, "Simulator").
        if (!settings.Workload.Online)
        {
            TorchRuntime.Threads = 1;
        }

        var centralized = settings.Algorithm == AlgorithmKind.Centralized;
        using var workload = Workload.Create(settings.Workload, centralized);
        var graph = settings.Topology.Graph;
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "[bold]simulate[/] {0}: {1} peers on {2}{3}, {4} rounds, seed {5}",
            AlgorithmNames.NameOf(settings.Algorithm), graph.NodeCount, Markup.Escape(settings.TopologyDescription),
            settings.Topology.IsTimeVarying ? " (time-varying)" : "", settings.Options.Rounds, settings.Workload.Seed);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[grey]{0}; lr {1}; {2:N0} parameters; network: loss {3}, delay ≤ {4}, churn {5}[/]",
            Markup.Escape(workload.Description), settings.Workload.LearningRate, workload.Initial.Length,
            settings.Options.Network.LossProbability, settings.Options.Network.MaxDelayRounds, settings.Options.Network.ChurnProbability);

        var robustness = Robust(settings);
        if (settings.Options.Attackers is { Count: > 0 } attackers)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[red]attack {0}[/]: {1} attacking peer(s): {2}; aggregation {3}",
                Markup.Escape(settings.Options.Attack!.ToString()), attackers.Count, Markup.Escape(string.Join(", ", attackers.Select(graph.NameOf))),
                Markup.Escape((settings.Options.Aggregation ?? AggregationSpec.Mean).ToString()));
        }

        if (settings.Options.Privacy is { } privacy)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
                "[yellow]{0}[/]; noise seeded from {1} so the run repeats: fine for exploring privacy/utility, never private (docs/privacy.md)",
                Markup.Escape(privacy.ToString()), privacy.NoiseSeed is { } s ? $"--dp-noise-seed {s}" : $"the run seed {settings.Options.Seed}");
        }

        using var writer = settings.OutputDirectory is null ? null : new MetricsWriter(settings.OutputDirectory, robustness: robustness, privacy: settings.Options.Privacy is not null);
        writer?.WriteRun(RunRecord(settings, workload));
        if (settings.OutputDirectory is { } outDirectory)
        {
            // The run keeps its own copy of the graph, so `gossipfl report` can draw it without being told.
            var document = settings.Topology;
            var yaml = document.Path is { } source ? File.ReadAllText(source)
                : document.Generated is { } generated ? TopologyFileWriter.WriteGenerated(generated)
                : TopologyFileWriter.WriteExplicit(document.Graph, document.Nodes);
            File.WriteAllText(Path.Combine(outDirectory, "topology.yaml"), yaml);
        }
        var options = settings.Options with { ParallelTraining = workload.ParallelTraining };
        var simulator = centralized ? null : new Simulator(settings.Topology.GraphForRound, workload.Learners, [workload.Initial], options, writer);
        Func<IProgress<SimulationProgress>?, SimulationResult> run = simulator is null
            ? progress => workload.Centralized(options.Rounds, options.EvalEvery, writer).Run(progress, cancellation)
            : progress => simulator.Run(progress, cancellation);
        var result = WithProgress(settings.Options.Rounds, run);

        foreach (var line in simulator?.PrivacyStops ?? [])
        {
            AnsiConsole.MarkupLine("[yellow]{0}[/]", Markup.Escape(line));
        }

        PrintSummary(settings, result, simulator?.PrivateLearners);
        if (writer is not null)
        {
            AnsiConsole.MarkupLine("metrics in [blue]{0}[/]", Markup.Escape(writer.Directory));
            if (!settings.Workload.Online && result.Models.Count > 0)
            {
                var models = WriteModels(writer.Directory, settings, workload, result);
                AnsiConsole.MarkupLine("models in [blue]{0}[/]", Markup.Escape(models));
            }
        }

        if (result.Cancelled)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[yellow]stopped after {0} of {1} rounds[/]", result.RoundsCompleted, settings.Options.Rounds);
            return 130;
        }

        return 0;
    }

    /// <summary>Peers whose final models are written one file each; above this only the mean model is (a file per peer costs as much as the model).</summary>
    private const int MaxModelFiles = 64;

    /// <summary>
    /// The run's final models as safetensors files under OUT/models: the mean of the peers' de-biased models, and each
    /// peer's own when there are at most <see cref="MaxModelFiles"/> of them.
    /// </summary>
    private static string WriteModels(string outDirectory, SimulateSettings settings, Workload workload, SimulationResult result)
    {
        var directory = Path.Combine(outDirectory, "models");
        Directory.CreateDirectory(directory);
        var data = workload.Data.Train;
        var task = settings.Workload.Dataset.Trim().Equals(DatasetCatalog.FashionMnistName, StringComparison.OrdinalIgnoreCase) ? FashionMnist.Task : null;
        var description = new ModelDescription(settings.Workload.Model, data.SampleShape, data.ClassCount, task);
        var metadata = description.ToMetadata();
        metadata["gossipfl.algorithm"] = AlgorithmNames.NameOf(settings.Algorithm);
        metadata["gossipfl.round"] = (result.RoundsCompleted - 1).ToString(CultureInfo.InvariantCulture);
        using var engine = TorchModel.Create(description.Model, description.InputShape, description.ClassCount);
        var meanModel = Inspection.ConsensusDistance.Mean(result.Models).Select(v => (float)v).ToArray();
        ModelFile.Save(Path.Combine(directory, "mean.safetensors"), engine, meanModel, new Dictionary<string, string>(metadata) { ["gossipfl.node"] = "mean of all peers" });
        if (result.Models.Count <= MaxModelFiles && result.Models.Count == settings.Topology.Graph.NodeCount)
        {
            for (var peer = 0; peer < result.Models.Count; peer++)
            {
                var name = settings.Topology.Graph.NameOf(peer);
                ModelFile.Save(Path.Combine(directory, name + ".safetensors"), engine, result.Models[peer], new Dictionary<string, string>(metadata) { ["gossipfl.node"] = name });
            }
        }

        return directory;
    }

    private static SimulationResult WithProgress(int rounds, Func<IProgress<SimulationProgress>?, SimulationResult> run)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            return run(null);
        }

        return AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("rounds", maxValue: rounds);
                return run(new ProgressTo(task));
            });
    }

    private static void PrintSummary(SimulateSettings settings, SimulationResult result, IReadOnlyList<Learning.Privacy.PrivateLearner>? privacy)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        var last = result.Last;
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("algorithm", AlgorithmNames.NameOf(settings.Algorithm));
        if (settings.Options.Compressed)
        {
            Row("compression", settings.Algorithm == AlgorithmKind.FedAvg
                ? $"{settings.Options.Compression} client updates with error feedback"
                : string.Create(CultureInfo.InvariantCulture, $"{settings.Options.Compression}, consensus step γ = {settings.Options.EffectiveConsensusStep}"));
        }

        Row("rounds", string.Create(CultureInfo.InvariantCulture, $"{result.RoundsCompleted} of {settings.Options.Rounds}"));
        if (last is not null)
        {
            Row("peers alive", string.Create(CultureInfo.InvariantCulture, $"{last.Alive} of {last.Nodes}"));
            Row("final mean train loss", Format(last.MeanTrainLoss));
            Row("regret (average loss so far)", Format(last.Regret));
            Row("mean test accuracy", Percent(last.MeanTestAccuracy));
            if (Robust(settings))
            {
                Row("mean honest test accuracy", Percent(last.MeanHonestTestAccuracy));
            }

            Row("min / max test accuracy", $"{Percent(last.MinTestAccuracy)} / {Percent(last.MaxTestAccuracy)}");
            Row("consensus distance", last.ConsensusDistance.ToString("E3", CultureInfo.InvariantCulture));
        }

        if (last?.BytesPerNeighbour is { } perNeighbour)
        {
            Row("bytes per round per neighbour", string.Create(CultureInfo.InvariantCulture, $"{perNeighbour:N0} ({settings.Options.Compression ?? Learning.Compression.CodecSpec.None})"));
        }

        Row("messages sent / lost", string.Create(CultureInfo.InvariantCulture, $"{result.MessagesSent:N0} / {result.MessagesLost:N0}"));
        if (settings.Algorithm == AlgorithmKind.PushSum)
        {
            Row("push-sum weight held / lost", string.Create(CultureInfo.InvariantCulture, $"{result.Weights.Sum():F6} / {result.LostWeight:F6}"));
        }

        Row("time", string.Create(CultureInfo.InvariantCulture, $"{result.Elapsed.TotalSeconds:F2} s"));
        if (privacy is { Count: > 0 } && settings.Options.Privacy is { } spec)
        {
            var sigmas = privacy.Select(p => p.Account.NoiseMultiplier).Distinct().Order().ToArray();
            var deltas = privacy.Select(p => p.Account.Delta).Distinct().Order().ToArray();
            Row(spec.IsSampleLevel ? "sample-level DP-SGD" : "peer-level DP", spec.SampleLevel is { } sample
                ? string.Create(CultureInfo.InvariantCulture,
                    $"clip {sample.ClipNorm:R} per sample, σ {sample.NoiseMultiplier:0.####}, {string.Join(" / ", privacy.Select(p => p.Account.CompositionsPerRound).Distinct().Order())} steps per round at q = {privacy.Min(p => p.Account.SamplingRate):G3}..{privacy.Max(p => p.Account.SamplingRate):G3}")
                : string.Create(CultureInfo.InvariantCulture,
                $"clip {(double.IsPositiveInfinity(spec.ClipNorm) ? "inf" : spec.ClipNorm.ToString("R", CultureInfo.InvariantCulture))}, σ {string.Join(" / ", sigmas.Select(v => v.ToString("0.####", CultureInfo.InvariantCulture)))}{(spec.EpsilonTarget is { } t ? $" (calibrated for ε {t:0.##})" : "")}"));
            Row("ε spent (max / mean)", string.Create(CultureInfo.InvariantCulture,
                $"{privacy.Max(p => p.Account.Epsilon):0.###} / {privacy.Average(p => p.Account.Epsilon):0.###} at δ = {string.Join(" / ", deltas.Select(d => d.ToString("G3", CultureInfo.InvariantCulture)))}"));
            if (!spec.IsSampleLevel)
            {
                Row("updates clipped", string.Create(CultureInfo.InvariantCulture,
                    $"{privacy.Sum(p => p.Mechanism.ClippedCount):N0} of {privacy.Sum(p => p.Account.Rounds):N0}"));
            }
            if (spec.EpsilonBudget is { } budget)
            {
                Row("stopped by the budget", string.Create(CultureInfo.InvariantCulture, $"{privacy.Count(p => p.Exhausted)} of {privacy.Count} peers (budget ε {budget:0.###})"));
            }
        }

        if (Robust(settings) && result.Counts is { } counts)
        {
            Row("aggregation", (settings.Options.Aggregation ?? AggregationSpec.Mean).ToString());
            Row("attack", settings.Options.Attack?.ToString() ?? "none");
            var names = settings.Topology.Graph;
            var attackers = result.Attackers ?? [];
            Row("attackers", attackers.Count == 0 ? "none" : string.Join(", ", attackers.Select(names.NameOf)));
            var top = Enumerable.Range(0, counts.Nodes)
                .Select(i => (Peer: i, Clipped: counts.ClippedTotal(i), Discarded: counts.DiscardedTotal(i)))
                .Where(p => p.Clipped + p.Discarded > 0)
                .OrderByDescending(p => p.Clipped + p.Discarded).ThenBy(p => p.Peer).Take(5)
                .Select(p => string.Create(CultureInfo.InvariantCulture,
                    $"{names.NameOf(p.Peer)}{(attackers.Contains(p.Peer) ? " (attacker)" : "")} {p.Clipped} clipped / {p.Discarded} discarded"));
            Row("most clipped or discarded peers", string.Join("; ", top) is { Length: > 0 } text ? text : "none");
        }

        AnsiConsole.Write(table);
    }

    private static object RunRecord(SimulateSettings settings, Workload workload) => new
    {
        algorithm = AlgorithmNames.NameOf(settings.Algorithm),
        topology = settings.TopologyDescription,
        topology_path = settings.Topology.Path,
        nodes = settings.Topology.Graph.NodeCount,
        time_varying = settings.Topology.IsTimeVarying,
        dataset = settings.Workload.Dataset,
        model = settings.Workload.Model.ToString(),
        partition = settings.Workload.Online ? null : settings.Workload.Partition,
        online = settings.Workload.Online,
        beta = settings.Workload.Beta,
        rounds = settings.Options.Rounds,
        local_steps = settings.Workload.Work.Steps,
        local_epochs = settings.Workload.Work.Epochs,
        client_fraction = settings.Algorithm == AlgorithmKind.FedAvg ? settings.Options.ClientFraction : (double?)null,
        batch_size = settings.Workload.BatchSize,
        lr = settings.Workload.LearningRate,
        seed = settings.Workload.Seed,
        loss = settings.Options.Network.LossProbability,
        delay = settings.Options.Network.MaxDelayRounds,
        churn = settings.Options.Network.ChurnProbability,
        churn_mean_downtime = settings.Options.Network.MeanDowntimeRounds,
        reclaim_lost = settings.Options.ReclaimLostShares,
        aggregation = (settings.Options.Aggregation ?? AggregationSpec.Mean).ToString(),
        attack = settings.Options.Attack?.ToString(),
        attackers = settings.Options.Attackers?.Select(settings.Topology.Graph.NameOf).ToArray(),
        eval_every = settings.Options.EvalEvery,
        compress = (settings.Options.Compression ?? Learning.Compression.CodecSpec.None).ToString(),
        consensus_step = settings.Options.Compressed && settings.Algorithm != AlgorithmKind.FedAvg ? settings.Options.EffectiveConsensusStep : (double?)null,
        dp_clip = settings.Options.Privacy is { SampleLevel: null } p ? (double.IsPositiveInfinity(p.ClipNorm) ? "inf" : p.ClipNorm.ToString("R", CultureInfo.InvariantCulture)) : null,
        dp_noise = settings.Options.Privacy is { SampleLevel: null } n ? n.NoiseMultiplier : null,
        dp_epsilon_target = settings.Options.Privacy?.EpsilonTarget,
        dp_delta = settings.Options.Privacy?.Delta,
        dp_epsilon_budget = settings.Options.Privacy?.EpsilonBudget,
        dp_level = settings.Options.Privacy?.LevelName,
        dp_sample_clip = settings.Options.Privacy?.SampleLevel?.ClipNorm,
        dp_sample_noise = settings.Options.Privacy?.SampleLevel?.NoiseMultiplier,
        dp_noise_seed = settings.Options.Privacy is { } q ? q.NoiseSeed ?? settings.Options.Seed : (ulong?)null,
        threads = settings.Options.Threads,
        engine = settings.Workload.SharedEngine ? "shared" : "per-peer",
        parameters = workload.Initial.Length,
        versions = new
        {
            gossipfl = typeof(SimulateCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
            dotnet = Environment.Version.ToString(),
            libtorch = settings.Workload.Online ? null : TorchRuntime.TorchVersion,
        },
        started_utc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    };

    /// <summary>Whether the run reports robustness figures (a robust rule or an attack), as the simulator decides.</summary>
    private static bool Robust(SimulateSettings settings) =>
        settings.Options.Aggregation is { IsMean: false } || settings.Options.Attack is not null;

    private static string Format(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "-";

    private static string Percent(double? value) => value is { } v ? v.ToString("0.00%", CultureInfo.InvariantCulture) : "-";

    /// <summary>Reports straight to the progress task; Progress&lt;T&gt; would post to the thread pool and race.</summary>
    private sealed class ProgressTo(ProgressTask task) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value)
        {
            task.Value = value.Round + 1;
            task.Description = string.Create(CultureInfo.InvariantCulture, $"round {value.Round + 1}/{value.Rounds}  loss {value.MeanTrainLoss:F4}");
        }
    }
}
