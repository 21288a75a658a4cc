using System.CommandLine;
using System.Globalization;
using GossipFl.Daemon.Node;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Compression;
using GossipFl.Learning.Data;
using GossipFl.Topology.Files;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl start --topology FILE</c> or <c>gossipfl start --config FILE</c>: run one node. Settings are layered
/// the .NET way, lowest first: the topology file's <c>training:</c> section, <c>--config FILE</c> (JSON, see
/// <see cref="StartConfigFile"/>), <c>GOSSIPFL_*</c> environment variables, then the flags given here. The topology
/// itself is a setting like the others, so a config file alone can describe a node (as a systemd unit needs).
/// </summary>
internal static class StartCommand
{
    public static Command Create()
    {
        var topology = new Option<FileInfo?>("--topology") { Description = "the trust topology file (see docs/topology.md); or \"Topology\" in --config, or GOSSIPFL_TOPOLOGY" };
        var config = new Option<FileInfo?>("--config") { Description = "a JSON file of settings, keys as the options in PascalCase (e.g. {\"Topology\": \"ring.yaml\", \"Rounds\": 20}); relative paths in it are relative to the file" };
        var flags = new (Option Option, string Key)[]
        {
            (new Option<string>("--node") { Description = "this node's name in the topology (default: the host name)" }, nameof(DaemonSettings.Node)),
            (new Option<string>("--data-dir") { Description = "identity, checkpoints and metrics (default: ./gossipfl-data/NODE)" }, nameof(DaemonSettings.DataDir)),
            (new Option<int>("--port") { Description = "UDP port for the transport (0: any free port)" }, nameof(DaemonSettings.Port)),
            (new Option<string>("--bind") { Description = "address the transport binds (default 0.0.0.0)" }, nameof(DaemonSettings.Bind)),
            (new Option<string[]>("--interface") { Description = "interface for mDNS (repeat; default: every multicast interface)" }, nameof(DaemonSettings.Interface)),
            (new Option<string[]>("--peer") { Description = "static peer NAME@host:port (repeat), for networks without multicast" }, nameof(DaemonSettings.Peer)),
            (new Option<bool>("--no-mdns") { Description = "do not use mDNS; reach peers through --peer and topology addresses only" }, nameof(DaemonSettings.Mdns)),
            (new Option<int>("--status-port") { Description = "status endpoint port on --status-bind (0: any free port; -1: off)" }, nameof(DaemonSettings.StatusPort)),
            (new Option<string>("--status-bind") { Description = "status endpoint address (default 127.0.0.1); a non-loopback one, e.g. 0.0.0.0, is also advertised over mDNS for inspect --discover" }, nameof(DaemonSettings.StatusBind)),
            (new Option<string>("--psk-file") { Description = "cluster pre-shared key file (instead of per-node identity keys)" }, nameof(DaemonSettings.PskFile)),
            (new Option<string>("--algorithm") { Description = "ops (push-sum), dsgd, dol, or fedavg (on an elected coordinator)" }, nameof(DaemonSettings.Algorithm)),
            (new Option<string>("--model") { Description = "logreg, mlp, mlp:W1,W2, lenet or FILE.pt" }, nameof(DaemonSettings.Model)),
            (new Option<string>("--data") { Description = "this node's own data, all of it trained on: a .csv or .npz file, or a directory (IDX pair, one .csv/.npz, or an image folder); needs the topology's training: task: contract" }, nameof(DaemonSettings.Data)),
            (new Option<string>("--test-data") { Description = "with --data: a shared benchmark set to evaluate on as well" }, nameof(DaemonSettings.TestData)),
            (new Option<double>("--validation-fraction") { Description = "with --data: share of each class held out to validate on (default 0.1)" }, nameof(DaemonSettings.ValidationFraction)),
            (new Option<string>("--label-column") { Description = "CSV: the label column, by header name or 0-based index (-1, the default, is the last)" }, nameof(DaemonSettings.LabelColumn)),
            (new Option<string>("--init") { Description = "start from these weights (.safetensors, or a TorchScript .pt with trained weights) instead of a seeded draw; every peer must use the same" }, nameof(DaemonSettings.Init)),
            (new Option<string>("--dataset") { Description = "experiment on one shared data set: fashion-mnist, synthetic or FILE.csv, split with --partition" }, nameof(DaemonSettings.Dataset)),
            (new Option<string>("--partition") { Description = "experiment: iid, dirichlet:ALPHA or shards:K (this node takes its part of --dataset); not with --data" }, nameof(DaemonSettings.Partition)),
            (new Option<int>("--rounds") { Description = "rounds to run" }, nameof(DaemonSettings.Rounds)),
            (new Option<int>("--local-steps") { Description = "local optimizer steps per round" }, nameof(DaemonSettings.LocalSteps)),
            (new Option<int>("--batch-size") { Description = "samples per local step" }, nameof(DaemonSettings.BatchSize)),
            (new Option<double>("--lr") { Description = "learning rate" }, nameof(DaemonSettings.Lr)),
            (new Option<ulong>("--seed") { Description = "seed shared by all nodes (initial model, partition)" }, nameof(DaemonSettings.Seed)),
            (new Option<int>("--eval-every") { Description = "evaluate on the test set every N rounds (and at the end)" }, nameof(DaemonSettings.EvalEvery)),
            (new Option<double>("--round-deadline") { Description = "seconds to wait for trusted peers' shares in a round (async: for a peer beyond the staleness bound)" }, nameof(DaemonSettings.RoundDeadline)),
            (new Option<string>("--mode") { Description = "sync (each round waits for every trusted peer) or async (bounded staleness, see --staleness)" }, nameof(DaemonSettings.Mode)),
            (new Option<int>("--staleness") { Description = "async: rounds a node may run ahead of a live trusted peer (default 2)" }, nameof(DaemonSettings.Staleness)),
            (new Option<double>("--peer-wait") { Description = "seconds to wait for neighbours before the first round" }, nameof(DaemonSettings.PeerWait)),
            (new Option<int>("--threads") { Description = "libtorch threads" }, nameof(DaemonSettings.Threads)),
            (new Option<int>("--local-epochs") { Description = "fedavg: local epochs per round on a sampled client" }, nameof(DaemonSettings.LocalEpochs)),
            (new Option<double>("--client-fraction") { Description = "fedavg: fraction of live peers sampled per round, in (0, 1]" }, nameof(DaemonSettings.ClientFraction)),
            (new Option<string>("--compress") { Description = "codec of what peers send: none (default), fp16, int8, sign (1 bit per value) or topk:FRACTION; ops runs compressed push-sum, dsgd CHOCO-SGD (sync mode, fixed topology), fedavg compresses the clients' updates (docs/algorithms.md)" }, nameof(DaemonSettings.Compress)),
            (new Option<double>("--consensus-step") { Description = "compressed gossip's consensus step γ in (0, 1]; default 1 for fp16, int8 and sign, 2·FRACTION for topk" }, nameof(DaemonSettings.ConsensusStep)),
            (new Option<string>("--quorum") { Description = "fedavg: votes that elect a coordinator: majority (default) or a count above half the nodes" }, nameof(DaemonSettings.Quorum)),
            (new Option<double>("--election-timeout") { Description = "fedavg: seconds without a coordinator before standing for election (randomized up to twice this)" }, nameof(DaemonSettings.ElectionTimeout)),
            (new Option<double>("--leaderless-timeout") { Description = "fedavg: seconds without any coordinator before giving up" }, nameof(DaemonSettings.LeaderlessTimeout)),
            (new Option<string>("--aggregation") { Description = "how received models are combined: mean (default); fedavg: median, trimmed:F, krum:F or normbound:C; gossip: clipped:TAU or clipped:auto" }, nameof(DaemonSettings.Aggregation)),
            (new Option<bool>("--secure-aggregation") { Description = "fedavg: the coordinator learns only the weighted sum of the clients' updates (Bonawitz et al. secure aggregation; docs/secure-aggregation.md)" }, nameof(DaemonSettings.SecureAggregation)),
            // Test-only: a client that dies between sending its masked input and unmasking, to show the recovery. Hidden from help.
            (new Option<long>("--crash-after-masked-input") { Description = "TEST ONLY: SIGKILL this daemon once its masked input of round N is acknowledged", Hidden = true }, nameof(DaemonSettings.CrashAfterMaskedInput)),
            (new Option<string>("--dp-clip") { Description = PrivacyArguments.ClipHelp }, nameof(DaemonSettings.DpClip)),
            (new Option<double>("--dp-noise") { Description = PrivacyArguments.NoiseHelp }, nameof(DaemonSettings.DpNoise)),
            (new Option<double>("--dp-epsilon-target") { Description = PrivacyArguments.TargetHelp }, nameof(DaemonSettings.DpEpsilonTarget)),
            (new Option<double>("--dp-sample-clip") { Description = PrivacyArguments.SampleClipHelp }, nameof(DaemonSettings.DpSampleClip)),
            (new Option<double>("--dp-sample-noise") { Description = PrivacyArguments.SampleNoiseHelp }, nameof(DaemonSettings.DpSampleNoise)),
            (new Option<double>("--dp-delta") { Description = PrivacyArguments.DeltaHelp }, nameof(DaemonSettings.DpDelta)),
            (new Option<double>("--dp-epsilon-budget") { Description = PrivacyArguments.BudgetHelp }, nameof(DaemonSettings.DpEpsilonBudget)),
            (new Option<ulong>("--dp-noise-seed") { Description = PrivacyArguments.SeedHelp.Replace(" (simulate: the run's --seed)", "", StringComparison.Ordinal) }, nameof(DaemonSettings.DpNoiseSeed)),
            // Test-only: makes this daemon a Byzantine peer, to show the defence over the real transport. Hidden from help.
            (new Option<string>("--attack") { Description = "TEST ONLY: this node attacks: sign-flip, gaussian or label-flip (a kind, no fraction: a daemon is one peer)", Hidden = true }, nameof(DaemonSettings.Attack)),
        };

        var command = new Command("start", "Run a GossipFl node: discover peers, train locally, gossip with trusted peers.") { topology, config };
        foreach (var (option, _) in flags)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellation) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var settings = Layer(parse, parse.GetValue(topology), parse.GetValue(config), flags);
            Validate(settings);
            // No appsettings.json reload: a watcher costs an inotify instance, of which a user has 128 by default, and
            // 64 daemons on one host ran out (the daemon's configuration is its flags, --config and environment).
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [Status.StatusServer.NoConfigurationReload], ApplicationName = "gossipfl" });
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(o => o.FormatterName = DaemonLogFormatter.FormatterName)
                .AddConsoleFormatter<DaemonLogFormatter, DaemonLogOptions>(o => o.Node = settings.Node ?? Environment.MachineName);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            // A failed start surfaces as the exception this command reports in one line; the host's own error log
            // of it would repeat it with a stack trace.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
            builder.Services.AddSingleton(settings);
            builder.Services.AddSingleton<GossipDaemon>();
            builder.Services.AddHostedService(services => services.GetRequiredService<GossipDaemon>());
            using var host = builder.Build();
            var daemon = host.Services.GetRequiredService<GossipDaemon>();
            await host.RunAsync(cancellation).ConfigureAwait(false);
            return daemon.ExitCode;
        }));
        return command;
    }

    private static DaemonSettings Layer(ParseResult parse, FileInfo? topologyFile, FileInfo? configFile, (Option Option, string Key)[] flags)
    {
        var fromFlags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (topologyFile is not null)
        {
            fromFlags[nameof(DaemonSettings.Topology)] = topologyFile.FullName;
        }

        foreach (var (option, key) in flags)
        {
            var result = parse.GetResult(option);
            if (result is null || result.Implicit)
            {
                continue;
            }

            switch (option)
            {
                case Option<string[]> list:
                    var values = parse.GetValue(list) ?? [];
                    for (var i = 0; i < values.Length; i++)
                    {
                        fromFlags[$"{key}:{i}"] = values[i];
                    }

                    break;
                case Option<bool> flag when key == nameof(DaemonSettings.Mdns):
                    fromFlags[key] = parse.GetValue(flag) ? "false" : "true";
                    break;
                case Option<bool> secure when key == nameof(DaemonSettings.SecureAggregation):
                    fromFlags[key] = parse.GetValue(secure) ? "true" : "false";
                    break;
                default:
                    fromFlags[key] = Convert.ToString(result.Tokens.Count > 0 ? result.Tokens[^1].Value : null, CultureInfo.InvariantCulture);
                    break;
            }
        }

        var fromFile = configFile is null ? [] : StartConfigFile.Read(configFile);

        // The topology file is itself a setting, and its training: section is the lowest layer; so the layers
        // above it are read once to find it, then again with its section beneath them.
        IConfigurationBuilder Above(IConfigurationBuilder builder) =>
            builder.AddInMemoryCollection(fromFile).AddEnvironmentVariables("GOSSIPFL_").AddInMemoryCollection(fromFlags);
        var topologyPath = Above(new ConfigurationBuilder()).Build()[nameof(DaemonSettings.Topology)];
        if (string.IsNullOrWhiteSpace(topologyPath))
        {
            throw new UsageException(
                configFile is null
                    ? "no topology: give --topology FILE (or --config FILE with \"Topology\" in it, or GOSSIPFL_TOPOLOGY)"
                    : $"no topology: {configFile.FullName} has no \"Topology\" and neither --topology nor GOSSIPFL_TOPOLOGY is given");
        }

        topologyPath = Path.GetFullPath(topologyPath);
        var document = TopologyFileReader.Load(topologyPath);
        var fromTopology = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (document.Training is { } training)
        {
            void Put(string key, object? value)
            {
                if (value is not null)
                {
                    fromTopology[key] = Convert.ToString(value, CultureInfo.InvariantCulture);
                }
            }

            Put(nameof(DaemonSettings.Algorithm), training.Algorithm);
            Put(nameof(DaemonSettings.Model), training.Model);
            Put(nameof(DaemonSettings.Dataset), training.Dataset);
            Put(nameof(DaemonSettings.Partition), training.Partition);
            Put(nameof(DaemonSettings.Rounds), training.Rounds);
            Put(nameof(DaemonSettings.LocalSteps), training.LocalSteps);
            Put(nameof(DaemonSettings.BatchSize), training.BatchSize);
            Put(nameof(DaemonSettings.Lr), training.LearningRate);
            Put(nameof(DaemonSettings.Seed), training.Seed);
            Put(nameof(DaemonSettings.LocalEpochs), training.LocalEpochs);
            Put(nameof(DaemonSettings.ClientFraction), training.ClientFraction);
            Put(nameof(DaemonSettings.Quorum), training.Quorum);
            Put(nameof(DaemonSettings.Mode), training.Mode);
            Put(nameof(DaemonSettings.Staleness), training.Staleness);
            Put(nameof(DaemonSettings.Aggregation), training.Aggregation);
            Put(nameof(DaemonSettings.Compress), training.Compress);
            Put(nameof(DaemonSettings.ConsensusStep), training.ConsensusStep);
            Put(nameof(DaemonSettings.SecureAggregation), training.SecureAggregation);
            Put(nameof(DaemonSettings.DpClip), training.DpClip);
            Put(nameof(DaemonSettings.DpNoise), training.DpNoise);
            Put(nameof(DaemonSettings.DpEpsilonTarget), training.DpEpsilonTarget);
            Put(nameof(DaemonSettings.DpSampleClip), training.DpSampleClip);
            Put(nameof(DaemonSettings.DpSampleNoise), training.DpSampleNoise);
            Put(nameof(DaemonSettings.DpDelta), training.DpDelta);
            Put(nameof(DaemonSettings.DpEpsilonBudget), training.DpEpsilonBudget);
        }

        var settings = new DaemonSettings();
        var built = Above(new ConfigurationBuilder().AddInMemoryCollection(fromTopology)).Build();
        built.Bind(settings);
        settings.Topology = topologyPath;
        if (fromTopology.ContainsKey(nameof(DaemonSettings.Compress))
            && !built.Providers.Skip(1).Any(p => p.TryGet(nameof(DaemonSettings.Compress), out _)))
        {
            // The simulator's form (SimulateOptions), so both commands point at the same line of the same file.
            settings.CompressSource = $"{topologyPath}: training: compress";
        }
        if (settings.Data is not null)
        {
            // The topology's dataset and partition describe the shared-data experiment and give way to --data; a
            // partition asked for anywhere else is a contradiction the user should hear about.
            var asked = built.Providers.Skip(1).Any(p => p.TryGet(nameof(DaemonSettings.Partition), out _));
            if (asked)
            {
                throw new UsageException(
                    "--partition splits one shared data set among the peers (an experiment); with --data the node trains on all of its own data, so drop --partition (or GOSSIPFL_PARTITION / \"Partition\" in --config)");
            }
        }

        // Likewise a consensus step asked for where no compressed gossip runs would change nothing; the topology's own
        // consensus_step gives way silently (its compress may have been overridden). One out of range is Validate's.
        if (settings.ConsensusStep is { } step and > 0 and <= 1
            && built.Providers.Skip(1).Any(p => p.TryGet(nameof(DaemonSettings.ConsensusStep), out _))
            && AlgorithmNames.TryParse(settings.Algorithm, out var algorithm)
            && TryParseCodec(settings.Compress) is { } codec
            && (codec.IsNone || algorithm == AlgorithmKind.FedAvg))
        {
            throw new UsageException(Simulate.SimulateOptions.ConsensusStepUnused(
                step, codec, " (given as --consensus-step, GOSSIPFL_CONSENSUSSTEP or \"ConsensusStep\" in --config)"));
        }

        return settings;
    }

    /// <summary>The codec, or null for a bad name (which <see cref="Validate"/> reports).</summary>
    private static CodecSpec? TryParseCodec(string text)
    {
        try
        {
            return CodecSpec.Parse(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void Validate(DaemonSettings settings)
    {
        if (settings.Rounds < 1 || settings.LocalSteps < 1 || settings.BatchSize < 1 || settings.Threads < 1 || settings.EvalEvery < 0)
        {
            throw new UsageException("rounds, local steps, batch size and threads must be at least 1; eval-every at least 0");
        }

        if (settings.Mode is not ("sync" or "async") || settings.Staleness < 0)
        {
            throw new UsageException($"--mode must be sync or async (got '{settings.Mode}'), --staleness at least 0 (got {settings.Staleness})");
        }

        if (!(settings.Lr > 0) || !(settings.RoundDeadline > 0) || settings.PeerWait < 0)
        {
            throw new UsageException("--lr and --round-deadline must be positive, --peer-wait not negative");
        }

        if (settings.LocalEpochs < 1 || !(settings.ClientFraction > 0 && settings.ClientFraction <= 1))
        {
            throw new UsageException("--local-epochs must be at least 1 and --client-fraction in (0, 1]");
        }

        if (!(settings.ValidationFraction >= 0 && settings.ValidationFraction < 1))
        {
            throw new UsageException($"--validation-fraction must be in [0, 1) (got {settings.ValidationFraction.ToString(CultureInfo.InvariantCulture)})");
        }

        if (LocalDataOptions.IsNoLabel(settings.LabelColumn))
        {
            throw new UsageException("--label-column none is for gossipfl predict; training needs the label column");
        }

        if (settings.TestData is not null && settings.Data is null)
        {
            throw new UsageException("--test-data goes with --data (an experiment with --dataset is already judged on the data set's test part)");
        }

        try
        {
            _ = CodecSpec.Parse(settings.Compress);
        }
        catch (FormatException ex)
        {
            throw new UsageException($"{settings.CompressSource}: {ex.Message}");
        }

        if (settings.ConsensusStep is { } step && !(step > 0 && step <= 1))
        {
            throw new UsageException($"--consensus-step must be in (0, 1], got {step.ToString(CultureInfo.InvariantCulture)}");
        }

        _ = PrivacyArguments.Build(settings.DpClip, settings.DpNoise, settings.DpEpsilonTarget, settings.DpDelta, settings.DpEpsilonBudget, settings.DpNoiseSeed, settings.DpSampleClip, settings.DpSampleNoise);

        if (!(settings.ElectionTimeout >= 0.2) || !(settings.LeaderlessTimeout > 2 * settings.ElectionTimeout))
        {
            throw new UsageException("--election-timeout must be at least 0.2 s and --leaderless-timeout more than twice it");
        }
    }
}
