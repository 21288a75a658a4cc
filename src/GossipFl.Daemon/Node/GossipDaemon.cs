using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime;
using GossipFl.Daemon.Coordination;
using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Protocol;
using GossipFl.Daemon.Security;
using GossipFl.Daemon.Status;
using GossipFl.Daemon.Transport;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Compression;
using GossipFl.Learning.Data;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Learning.Privacy;
using GossipFl.Learning.Robustness;
using GossipFl.Learning.Simulation;
using GossipFl.Learning.Torch;
using GossipFl.Topology.Analysis;
using GossipFl.Topology.Files;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Node;

/// <summary>
/// One GossipFl node as a hosted service. <see cref="StartAsync"/> does everything that can fail fast (topology,
/// identity, data, model, sockets, discovery, status endpoint) and returns only once the node can be reached;
/// the rounds then run in <see cref="ExecuteAsync"/>. Stopping says goodbye on mDNS and leaves a checkpoint.
/// </summary>
internal sealed partial class GossipDaemon : BackgroundService
{
    private readonly DaemonSettings _settings;
    private readonly ILogger _logger;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly List<IAsyncDisposable> _resources = [];
    private Workload? _workload;
    private OwnDataWorkload? _ownData;
    private ILocalLearner? _learner;
    private PrivateLearner? _private;
    /// <summary>The status a finished run leaves in its data directory.</summary>
    public const string FinalStatusFile = "status.json";

    private DaemonAttack? _attack;
    private MetricsWriter? _metrics;
    private AggregationSpec _aggregation = AggregationSpec.Mean;
    private TaskSignature? _signature;
    private NodeIdentity? _identity;
    private ModelDescription? _description;
    private Dictionary<string, string>? _modelMetadata;
    private string _dataDirectory = "";
    private IReadOnlyList<ParameterInfo>? _layout;
    private IRoundDriver? _driver;
    private FedAvgDriver? _fedAvg;
    private Learning.Compression.ICodec? _fedAvgCodec;
    private TransportShareExchange? _exchange;
    private Task? _subscribing;
    private PeerDirectory? _peers;
    private NodeState? _state;
    private TopologyDocument? _topology;
    private string _name = "";
    private long _firstRound;

    public GossipDaemon(DaemonSettings settings, ILogger<GossipDaemon> logger, IHostApplicationLifetime lifetime)
    {
        _settings = settings;
        _logger = logger;
        _lifetime = lifetime;
    }

    /// <summary>Exit code for the process: 0 when the run finished or was stopped cleanly.</summary>
    public int ExitCode { get; private set; }

    /// <summary>The status endpoint's address once started (also written to DATA/status.url).</summary>
    public Uri? StatusAddress { get; private set; }

    /// <summary>One line saying why a port could not be opened and which setting changes it.</summary>
    private static string CannotBind(string what, SocketError error, string portOption, string addressOption) => error switch
    {
        SocketError.AddressAlreadyInUse => $"cannot {what}: the port is already in use (another gossipfl daemon on this machine?); choose another with {portOption}",
        SocketError.AccessDenied => $"cannot {what}: permission denied (ports below 1024 need root); choose another with {portOption}",
        SocketError.AddressNotAvailable => $"cannot {what}: no interface of this machine has that address; check {addressOption}",
        _ => $"cannot {what}: {error}; check {portOption} and {addressOption}",
    };

    private static SocketError? SocketErrorWithin(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException socket)
            {
                return socket.SocketErrorCode;
            }
        }

        return null;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _topology = TopologyFileReader.Load(_settings.Topology);
        var graph = _topology.Graph;
        _name = _settings.Node ?? Environment.MachineName;
        if (!graph.TryGetIndex(_name, out var index))
        {
            throw new DaemonConfigurationException(
                $"node '{_name}' is not in {_settings.Topology} (nodes: {string.Join(", ", graph.Names.Take(12))}{(graph.NodeCount > 12 ? ", ..." : "")}); pass --node NAME");
        }

        var algorithm = AlgorithmNames.Parse(_settings.Algorithm);
        var fedAvg = algorithm == AlgorithmKind.FedAvg;
        if (!fedAvg && AlgorithmNames.SchemeOf(algorithm) is null)
        {
            throw new DaemonConfigurationException(
                $"algorithm '{_settings.Algorithm}' does not run on a daemon; it runs ops (push-sum), dsgd, dol or fedavg");
        }

        AggregationSpec aggregation;
        AttackKind? attack;
        CodecSpec codec;
        try
        {
            aggregation = AggregationSpec.Parse(_settings.Aggregation);
            aggregation.EnsureFits(algorithm);
            codec = CodecSpec.Parse(_settings.Compress);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new DaemonConfigurationException(ex.Message);
        }

        try
        {
            attack = _settings.Attack is { } attackText ? AttackSpec.ParseOnePeer(attackText) : null;
        }
        catch (FormatException ex)
        {
            throw new DaemonConfigurationException($"--attack: {ex.Message}");
        }

        // Compressed gossip (docs/algorithms.md): the codec and γ join the signature, so peers configured otherwise are
        // refused at the handshake as running another task.
        var consensusStep = _settings.ConsensusStep ?? codec.DefaultConsensusStep;
        if (!codec.IsNone)
        {
            if (algorithm == AlgorithmKind.Dol)
            {
                throw new DaemonConfigurationException(
                    $"{_settings.CompressSource} {codec}: compressed gossip runs with ops (compressed push-sum) or dsgd (CHOCO-SGD), and FedAvg compresses its clients' updates; dol has no compressed form");
            }

            if (fedAvg && _settings.SecureAggregation)
            {
                throw new DaemonConfigurationException(
                    $"{_settings.CompressSource} {codec}: not with --secure-aggregation, whose masks cancel only over whole fixed-point updates; use one or the other");
            }
        }

        if (!codec.IsNone && !fedAvg)
        {
            if (_settings.Mode == "async" || _topology.IsTimeVarying)
            {
                throw new DaemonConfigurationException(
                    $"{_settings.CompressSource} {codec}: compressed gossip folds every change of a peer's estimate by its round with fixed mixing weights; run it with --mode sync on a topology that does not vary");
            }

            if (!aggregation.IsMean || attack is not null)
            {
                throw new DaemonConfigurationException(
                    $"{_settings.CompressSource} {codec}: compressed gossip runs with --aggregation mean so far; robust rules apply to uncompressed gossip and to FedAvg");
            }
        }

        if (_settings.SecureAggregation)
        {
            EnsureSecureAggregationFits(fedAvg, aggregation, graph.NodeCount);
        }

        if (fedAvg && graph.NodeCount < 2)
        {
            LogSettingWarning(TopologyCheck.OneNodeFedAvg);
        }

        // The coordinator combines round(C·N) clients a round while every peer is up; a rule whose F that many cannot
        // carry still runs, weaker than its name says, and the operator hears it once.
        if (fedAvg && aggregation.FedAvgWeakness(_settings.ClientFraction, graph.NodeCount) is { } weakness)
        {
            LogSettingWarning(weakness);
        }

        int quorum;
        try
        {
            quorum = ElectionOptions.ParseQuorum(_settings.Quorum, graph.NodeCount);
        }
        catch (FormatException ex)
        {
            throw new DaemonConfigurationException(ex.Message);
        }

        var dataDirectory = Path.GetFullPath(_settings.DataDir ?? Path.Combine("gossipfl-data", _name));
        Directory.CreateDirectory(dataDirectory);
        TorchRuntime.Threads = _settings.Threads;

        var model = ModelSpec.Parse(_settings.Model);
        var work = fedAvg ? new LocalWork(_settings.LocalSteps, _settings.LocalEpochs) : new LocalWork(_settings.LocalSteps);
        string taskText, workloadText;
        float[] initial;
        if (_settings.Data is { } data)
        {
            var task = _topology.Training?.Task ?? throw new DaemonConfigurationException(
                $"--data needs the task every peer trains on: add 'task:' with 'input' and 'classes' under 'training:' in {_settings.Topology} (docs/topology.md §2.4.1)");
            _ownData = OwnDataWorkload.Create(new OwnDataSpec(data, task, model, _settings.TestData, _settings.ValidationFraction,
                new LocalDataOptions(_settings.LabelColumn), _settings.BatchSize, _settings.Lr, work, _settings.Seed, index));
            (_learner, initial, taskText, workloadText) = (_ownData.Learner, _ownData.Initial, task.Canonical(), _ownData.Description);
        }
        else
        {
            var spec = new WorkloadSpec(_settings.Dataset, model, _settings.Partition, Online: false, Beta: 0,
                graph.NodeCount, _settings.Rounds, _settings.BatchSize, _settings.Lr, work, _settings.Seed,
                LabelFlipped: attack == AttackKind.LabelFlip ? [index] : null);
            _workload = Workload.CreateForPeer(spec, index);
            (_learner, initial, workloadText) = (_workload.Learners[0], _workload.Initial, _workload.Description + " (an experiment on one shared data set)");
            taskText = string.Create(CultureInfo.InvariantCulture,
                $"experiment/1;dataset={_settings.Dataset.Trim().ToLowerInvariant()};partition={_settings.Partition.Trim().ToLowerInvariant()};nodes={graph.NodeCount}");
        }

        if (_settings.SecureAggregation)
        {
            // Peers that aggregate securely and peers that send updates in the clear cannot share a round.
            // Version 2: signed ephemeral keys and the round 4 consistency check; a version-1 peer is refused at the handshake.
            taskText += "\nsecure_aggregation=bonawitz/2";
        }

        _description = _ownData is not null
            ? new ModelDescription(model, _topology.Training!.Task!.InputShape, _topology.Training.Task.ClassCount, _topology.Training.Task)
            : new ModelDescription(model, _workload!.Data.Train.SampleShape, _workload.Data.Train.ClassCount,
                _settings.Dataset.Trim().Equals(DatasetCatalog.FashionMnistName, StringComparison.OrdinalIgnoreCase) ? FashionMnist.Task : null);
        if (_settings.Init is { } init)
        {
            // Every peer starts from the given weights instead of a seeded draw; they join the signature through the
            // initial parameters, so a peer started from other weights is refused.
            using var shape = TorchModel.Create(model, _description.InputShape, _description.ClassCount);
            ModelFile.ReadParameters(init, shape).CopyTo(initial, 0);
            workloadText += $"; starting from {init}";
        }

        // Loading left large temporaries behind (decompressed files, the whole shared training set of an experiment):
        // collect them once, compacting the large-object heap and returning its pages, so a daemon's peak memory is
        // what it trains with, not what it read (docs/benchmarks.md, "Peak memory of a Fashion-MNIST daemon").
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        RoundGarbage.EnableForThisProcess();

        PrivacySpec? privacy;
        try
        {
            privacy = Cli.PrivacyArguments.Build(_settings.DpClip, _settings.DpNoise, _settings.DpEpsilonTarget, _settings.DpDelta, _settings.DpEpsilonBudget, _settings.DpNoiseSeed, _settings.DpSampleClip, _settings.DpSampleNoise);
        }
        catch (Cli.UsageException ex)
        {
            throw new DaemonConfigurationException(ex.Message);
        }

        if (privacy is not null)
        {
            // Peer-level DP (docs/privacy.md): the learner clips and noises each round's update before any algorithm sees
            // it. Each round the node trains is one Gaussian mechanism, counted without sampling amplification (q = 1).
            // Sample-level DP-SGD: the engine clips and noises every step; a round is its steps' sampled Gaussians.
            try
            {
                _private = PrivateLearner.Create(_learner!, privacy, index, _settings.Rounds);
            }
            catch (ArgumentException ex) when (privacy.IsSampleLevel)
            {
                throw new DaemonConfigurationException(ex.Message);
            }

            _private.BudgetExhausted = LogPrivacyStop;
            _learner = _private;
            var privacyText = privacy.ToString();
            var budgetText = privacy.EpsilonBudget is { } b ? string.Create(CultureInfo.InvariantCulture, $", budget ε {b}") : "";
            var sourceText = privacy.NoiseSeed is { } seed ? $"SEEDED with {seed} (experiments only: whoever knows the seed can remove the noise)" : "from the operating system's CSPRNG";
            LogPrivacy(privacyText, _private.Account.NoiseMultiplier, _private.Account.Delta, budgetText, sourceText);
        }

        _signature = TaskSignature.Compute(taskText, model, AlgorithmNames.NameOf(algorithm), initial, CompressionSignature.Of(codec, algorithm, consensusStep), privacy?.SignatureText);
        _dataDirectory = dataDirectory;
        _modelMetadata = NodeModelFiles.Metadata(_description, AlgorithmNames.NameOf(algorithm), _name, Convert.ToHexStringLower(_signature.Bytes));
        NodeModelFiles.WriteDescription(dataDirectory, _modelMetadata);
        var node = new GossipNode(index, fedAvg ? AlgorithmKind.PushSum : algorithm, initial, fedAvg ? null : aggregation);
        if (attack == AttackKind.LabelFlip && _ownData is not null)
        {
            throw new DaemonConfigurationException("--attack label-flip flips the labels of the shared experiment's data; it does not apply to --data");
        }

        _attack = attack is { } kind ? new DaemonAttack(kind, _settings.Seed, index, initial.Length) : null;
        if (attack is not null)
        {
            LogAttacking(AttackSpec.NameOf(attack.Value));
        }

        _aggregation = aggregation;
        _fedAvgCodec = fedAvg && !codec.IsNone ? codec.Create(initial.Length) : null;
        var compressed = codec.IsNone || fedAvg
            ? null
            : new CompressedGossipNode(index, algorithm, initial, initial, codec.Create(initial.Length), consensusStep, _settings.Seed);
        var checkpoints = new CheckpointStore(dataDirectory, _logger, learner: _learner as IResumableLearner);
        if (checkpoints.LoadLatest(node.X.Length) is { } checkpoint)
        {
            if (compressed is not null)
            {
                // The estimates every peer keeps of this node are not in the checkpoint; resuming would mix wrongly.
                throw new DaemonConfigurationException(
                    $"{dataDirectory} holds a checkpoint of round {checkpoint.Round}, but compressed gossip cannot resume (the peers' estimates are not checkpointed); start every peer afresh with new data directories");
            }

            node.Restore(checkpoint.Parameters, checkpoint.Weight);
            _firstRound = checkpoint.Round + 1;
            var learnerText = checkpoint.LearnerState is null ? "" : "; data order and optimizer state restored";
            LogResumed(checkpoint.Round, _firstRound, learnerText);
        }

        // FedAvg: every member may coordinate, so every member is a peer both ways; gossip: the trust edges.
        var others = graph.Names.Where(n => n != _name).ToArray();
        var trusted = fedAvg ? others : graph.Trusted(index).ToArray().Select(graph.NameOf).Where(n => n != _name).ToArray();
        var followers = fedAvg ? others : graph.Followers(index).ToArray().Select(graph.NameOf).Where(n => n != _name).ToArray();
        _state = new NodeState(_name, AlgorithmNames.NameOf(algorithm), trusted, followers) {
            TaskSignature = _signature.ToString(),
            Aggregation = aggregation.ToString(),
            Compress = codec.IsNone || fedAvg ? codec.ToString() : string.Create(CultureInfo.InvariantCulture, $"{codec} (γ = {consensusStep:G4})"),
        };
        if (_private is not null)
        {
            var state = _state;
            _private.AfterRound = p => state.PrivacySpent(p.Account.Epsilon, p.Account.Delta, p.Account.Rounds, p.Account.Budget, p.Exhausted);
            _private.AfterRound(_private);
        }

        var identity = NodeIdentity.LoadOrCreate(dataDirectory);
        _identity = identity;
        var transport = new UdpTransport(new UdpTransportOptions
        {
            NodeName = _name,
            TrustPolicy = new TopologyTrustPolicy(_topology, _name, anyMember: fedAvg),
            Identity = _settings.PskFile is null ? identity : null,
            PreSharedKey = _settings.PskFile is null ? null : await File.ReadAllBytesAsync(_settings.PskFile, cancellationToken).ConfigureAwait(false),
            LocalEndPoint = new IPEndPoint(IPAddress.Parse(_settings.Bind), _settings.Port),
            ApplicationContext = _signature.Bytes.ToArray(),
            ContextMismatch = OnTaskMismatch,
        });
        _resources.Add(transport);
        try
        {
            await transport.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new DaemonConfigurationException(CannotBind($"listen for peers on {_settings.Bind}:{_settings.Port}/udp", ex.SocketErrorCode, "--port", "--bind"));
        }

        _state.TransportDrops = () => new Dictionary<string, long>
        {
            ["malformed"] = transport.Counters.DroppedMalformed,
            ["unauthenticated"] = transport.Counters.DroppedUnauthenticated,
            ["untrusted"] = transport.Counters.DroppedUntrusted,
            ["replayed"] = transport.Counters.DroppedReplayed,
            ["over_limit"] = transport.Counters.DroppedOverLimit,
            ["task_mismatch"] = transport.Counters.ContextMismatches,
        };

        // The status endpoint starts before discovery, which advertises its port.
        if (_settings.StatusPort >= 0)
        {
            StatusServer status;
            try
            {
                status = await StatusServer.StartAsync(new StateSource(_state, ModelAsSafeTensors), IPAddress.Parse(_settings.StatusBind), _settings.StatusPort, null, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex) when (SocketErrorWithin(ex) is { } code)
            {
                // Kestrel reports a failed bind as an IOException with the socket error inside.
                throw new DaemonConfigurationException(
                    CannotBind($"serve the status endpoint on {_settings.StatusBind}:{_settings.StatusPort}/tcp", code, "--status-port (-1 turns it off)", "--status-bind"));
            }

            _resources.Add(status);
            StatusAddress = status.Address;
            await File.WriteAllTextAsync(Path.Combine(dataDirectory, "status.url"), status.Address + "\n", cancellationToken).ConfigureAwait(false);
        }

        DiscoveryService? discovery = null;
        if (_settings.Mdns)
        {
            var options = new DiscoveryOptions { NodeName = _name, KeyFingerprint = identity.Fingerprint, TransportPort = transport.LocalEndPoint.Port };

            // Only a status endpoint reachable from the network is advertised: a loopback port would send
            // `gossipfl inspect --discover` on other machines to their own loopback (docs/discovery.md).
            if (StatusAddress is not null && !IPAddress.IsLoopback(IPAddress.Parse(_settings.StatusBind)))
            {
                options.StatusPort = StatusAddress.Port;
            }

            foreach (var name in _settings.Interface)
            {
                options.Interfaces.Add(name);
            }

            discovery = new DiscoveryService(options);
            _resources.Add(discovery);
            discovery.Peers.PeerUp += (_, e) =>
            {
                var endpoints = Describe(e.Peer);
                LogDiscovered(e.Peer.NodeName, endpoints);
            };
            discovery.Peers.PeerDown += (_, e) => LogLost(e.Peer.NodeName);
            discovery.Start();
        }

        _peers = new PeerDirectory(discovery?.Peers);
        foreach (var hint in _topology.Nodes.Where(n => n.Address is not null && n.Name != _name))
        {
            var (_, endpoint) = PeerDirectory.ParseStatic($"{hint.Name}@{hint.Address}");
            _peers.AddStatic(hint.Name, endpoint);
        }

        foreach (var text in _settings.Peer)
        {
            var (peer, endpoint) = PeerDirectory.ParseStatic(text);
            _peers.AddStatic(peer, endpoint);
        }

        _state.EndpointOf = peer => _peers.Find(peer)?.ToString();
        var metrics = new MetricsWriter(dataDirectory, append: true);
        _metrics = metrics;
        _resources.Add(new AsyncDisposer(metrics));
        var exchange = new TransportShareExchange(transport, _peers);
        _exchange = exchange;
        if (fedAvg)
        {
            _fedAvg = CreateFedAvgDriver(graph.Names.ToArray(), quorum, node, exchange, dataDirectory, checkpoints, metrics);
        }
        else
        {
            var rounds = new RoundOptions(_settings.Rounds, TimeSpan.FromSeconds(_settings.RoundDeadline), _settings.EvalEvery, Staleness: _settings.Staleness);
            _driver = compressed is not null
                ? new CompressedGossipRoundDriver(_name, _topology, compressed, _learner, exchange, rounds, _state, checkpoints, metrics, _logger)
                : _settings.Mode == "async"
                ? new AsyncGossipDriver(_name, _topology, node, _learner, exchange, rounds, _state, checkpoints, metrics, _logger, _attack)
                : new GossipRoundDriver(_name, _topology, node, _learner, exchange, rounds, _state, checkpoints, metrics, _logger, _attack);
        }

        var listening = transport.LocalEndPoint.ToString();
        var statusText = StatusAddress?.ToString() ?? "off";
        var (trustedText, followersText, signatureText) = (string.Join(", ", trusted), string.Join(", ", followers), _signature.ToString());
        var runText = RunText(algorithm, fedAvg) + "; " + workloadText;
        LogStarted(_name, listening, identity.ShortFingerprint, statusText, runText, signatureText, trustedText, followersText);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_subscribing is not null)
        {
            // Tell the peers this node trusts that it is leaving, so their status stops counting on it; briefly,
            // since a peer that is gone cannot be told.
            await _subscribing.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            await SubscribeAsync(follows: false, TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
        }

        for (var i = _resources.Count - 1; i >= 0; i--)
        {
            await _resources[i].DisposeAsync().ConfigureAwait(false);
        }

        _resources.Clear();
        _workload?.Dispose();
        _ownData?.Dispose();
    }

    /// <summary>The transport refused a peer whose handshake carried another task signature: say so once per signature, count it.</summary>
    private void OnTaskMismatch(string peer, string? fingerprint, byte[] theirs)
    {
        var text = TaskSignature.Abbreviate(theirs);
        if (_state!.TaskMismatch(peer, text))
        {
            LogTaskMismatch(peer, text, _signature!.ToString());
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (_fedAvg is not null)
            {
                _state!.Phase("electing a coordinator");
                await _fedAvg.RunAsync(stoppingToken).ConfigureAwait(false);
            }
            else
            {
                await WaitForTrustedPeersAsync(stoppingToken).ConfigureAwait(false);
                _subscribing = SubscribeAsync(follows: true, TimeSpan.FromSeconds(_settings.PeerWait), stoppingToken);
                _state!.Phase("training");
                await _driver!.RunAsync(_firstRound, stoppingToken).ConfigureAwait(false);
            }

            // The last status stays on disk (the endpoint goes with the process): per-peer counts, final figures.
            await File.WriteAllTextAsync(Path.Combine(_dataDirectory!, FinalStatusFile),
                System.Text.Json.JsonSerializer.Serialize(_state!.Snapshot(), StatusServer.Json) + "\n", stoppingToken).ConfigureAwait(false);
            if (_aggregation is { IsMean: false } && _metrics is not null)
            {
                // The run's per-peer counts, for `gossipfl report` (status shows them live).
                foreach (var peer in _state!.Snapshot().Peers)
                {
                    _metrics.WritePeer(new PeerTotals(peer.Name, null, peer.Clipped, peer.Discarded));
                }
            }

            if (_private is not null)
            {
                var account = _private.Account;
                _metrics?.WritePeer(new PeerTotals(_name, null, 0, 0, account.Epsilon, account.Delta, _private.StoppedBeforeRound));
                var spent = RoundServices.PrivacyText(_state!.Snapshot()).TrimStart(';', ' ');
                var stopped = _private.Exhausted ? string.Create(CultureInfo.InvariantCulture, $"; its budget stopped training before round {_private.StoppedBeforeRound}") : "";
                LogPrivacySpent(account.Rounds, spent, stopped);
            }

            // The last line names the model file (docs/models.md), so it comes after everything else.
            if (_state!.Model() is var (round, parameters))
            {
                var final = Path.Combine(_dataDirectory, NodeModelFiles.FinalFile(_description!.Model));
                NodeModelFiles.Write(final, _description, _modelMetadata!, round, parameters);
                LogFinished(_settings.Rounds, final);
            }
            else
            {
                LogFinished(_settings.Rounds, "none (no round completed)");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopping();
        }
        catch (CoordinatorUnavailableException ex)
        {
            // An expected end, not a crash: say why in one line.
            var reason = ex.Message;
            LogGaveUp(reason);
            ExitCode = 1;
        }
        catch (CompressedGossipDivergedException ex)
        {
            // The documented end of compressed gossip with a consensus step too large for the codec, said in one line
            // like the FedAvg case; the work done so far is in the newest checkpoint.
            LogGaveUp(ex.Message);
            ExitCode = 1;
            SayWhereTheModelIs();
        }
        catch (Exception ex)
        {
            LogFailed(ex);
            ExitCode = 1;
            SayWhereTheModelIs();
        }
        finally
        {
            _lifetime.StopApplication();
        }
    }

    /// <summary>
    /// What the node runs, for its first log line: the algorithm and mode, and the aggregation rule and codec when they
    /// are not the defaults, e.g. <c>dsgd, async, clipped:auto</c> or <c>ops, sync, compress int8 (γ = 1)</c>.
    /// </summary>
    private string RunText(AlgorithmKind algorithm, bool fedAvg)
    {
        var parts = new List<string> { AlgorithmNames.NameOf(algorithm) };
        if (!fedAvg)
        {
            parts.Add(_settings.Mode);
        }

        if (!_aggregation.IsMean)
        {
            parts.Add(_aggregation.ToString());
        }

        if (_state!.Compress != "none")
        {
            parts.Add("compress " + _state.Compress);
        }

        return string.Join(", ", parts);
    }

    /// <summary>
    /// After a failure the run's work is not lost: the newest checkpoint holds the model of a completed round. One line
    /// says which round and how to export it, so the user does not have to know where checkpoints live.
    /// </summary>
    private void SayWhereTheModelIs()
    {
        if (string.IsNullOrEmpty(_dataDirectory))
        {
            return;
        }

        try
        {
            var rounds = new CheckpointStore(_dataDirectory, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Rounds();
            if (rounds.Count > 0)
            {
                var extension = _description is null ? ".safetensors" : Path.GetExtension(NodeModelFiles.FinalFile(_description.Model));
                LogModelAfterFailure(rounds[^1], _dataDirectory, "model" + extension);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more to say than the failure already logged.
        }
    }

    /// <summary>
    /// Refuses, in one line each, what cannot work with secure aggregation: gossip (peers see each other's models by
    /// design), robust rules (they need each client's update, which the coordinator no longer sees), and samples of
    /// fewer than 3 clients (with 2, each could subtract its own update from the sum), and members whose identity keys
    /// the topology does not pin, or a pre-shared key instead of identity keys: the clients check each other's signed
    /// keys against the pins, and a key learned from the coordinator itself would prove nothing.
    /// </summary>
    /// <summary>Topology files may write <c>sha256:HEX</c>; the protocol compares bare lowercase hex.</summary>
    private static string NormaliseFingerprint(string fingerprint) =>
        (fingerprint.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? fingerprint["sha256:".Length..] : fingerprint).ToLowerInvariant();

    private void EnsureSecureAggregationFits(bool fedAvg, AggregationSpec aggregation, int nodes)
    {
        if (!fedAvg)
        {
            throw new DaemonConfigurationException(
                $"--secure-aggregation sums the updates of FedAvg clients; it does not apply to --algorithm {_settings.Algorithm} (gossip peers see their neighbours' models by design)");
        }

        if (!aggregation.IsMean)
        {
            throw new DaemonConfigurationException(
                $"--secure-aggregation with --aggregation {aggregation}: robust rules need each client's update, which secure aggregation hides from the coordinator; use --aggregation mean");
        }

        var sampled = Math.Clamp((int)Math.Round(_settings.ClientFraction * nodes, MidpointRounding.AwayFromZero), 1, nodes);
        if (sampled < 3)
        {
            throw new DaemonConfigurationException(string.Create(CultureInfo.InvariantCulture,
                $"--secure-aggregation: --client-fraction {_settings.ClientFraction} samples {sampled} of {nodes} peers per round; secure aggregation needs at least 3 (with 2, each client could subtract its own update from the sum)"));
        }

        if (_settings.PskFile is not null)
        {
            throw new DaemonConfigurationException(
                "--secure-aggregation with --psk-file: the clients sign their round keys with their identity keys, which pre-shared-key mode does not have; drop --psk-file");
        }

        var unpinned = _topology!.Nodes.Where(n => string.IsNullOrEmpty(n.Fingerprint)).Select(n => n.Name).ToArray();
        if (unpinned.Length > 0)
        {
            throw new DaemonConfigurationException(
                $"--secure-aggregation needs every member's identity pinned in {_settings.Topology} (a 'fingerprint:' from `gossipfl identity`), so that a coordinator cannot swap a client's keys; unpinned: {string.Join(", ", unpinned)}");
        }
    }

    /// <summary>
    /// FedAvg's driver: the global model and its round come from the checkpoint (the node's x, unweighted), the
    /// members from the topology, the election's timing from the settings.
    /// </summary>
    private FedAvgDriver CreateFedAvgDriver(
        string[] members, int quorum, GossipNode node, IShareExchange exchange, string dataDirectory, CheckpointStore checkpoints, MetricsWriter metrics)
    {
        var timeout = TimeSpan.FromSeconds(_settings.ElectionTimeout);
        var options = new FedAvgOptions
        {
            Rounds = _settings.Rounds,
            ClientFraction = _settings.ClientFraction,
            Seed = _settings.Seed,
            RoundDeadline = TimeSpan.FromSeconds(_settings.RoundDeadline),
            EvaluateEvery = _settings.EvalEvery,
            PeerWait = TimeSpan.FromSeconds(_settings.PeerWait),
            LeaderlessTimeout = TimeSpan.FromSeconds(_settings.LeaderlessTimeout),
            Aggregation = _aggregation,
            Attack = _attack,
            Compression = _fedAvgCodec,
            SecureAggregation = _settings.SecureAggregation,
            SecureIdentity = _settings.SecureAggregation && _identity is { } identity ? new Learning.SecureAggregation.SigningIdentity(identity.PublicKey, data => identity.Sign(data)) : null,
            PinnedFingerprints = members.Select((name, index) => (index, _topology!.Nodes.FirstOrDefault(n => n.Name == name)?.Fingerprint))
                .Where(p => p.Fingerprint is not null)
                .ToDictionary(p => p.index, p => NormaliseFingerprint(p.Fingerprint!)),
            TaskSignature = _signature!.Bytes.ToArray(),
            CrashAfterMaskedInput = _settings.CrashAfterMaskedInput,
            Election = new ElectionOptions
            {
                Self = _name,
                Members = members,
                Quorum = quorum,
                HeartbeatInterval = timeout / 5,
                ElectionTimeoutMin = timeout,
                ElectionTimeoutMax = timeout * 2,
            },
        };

        // Election timeouts must differ between peers and between restarts; nothing else depends on this seed.
        var timerSeed = (ulong)Random.Shared.NextInt64();
        return new FedAvgDriver(_name, members, _learner!, node.X, _firstRound - 1, exchange, options,
            new ElectionStore(dataDirectory), _state!, checkpoints, metrics, _logger, timerSeed);
    }

    /// <summary>
    /// Sends this node's subscription (or its leaving) to every peer it trusts, retrying those not reached every few
    /// seconds for up to <paramref name="patience"/>; a subscription is a courtesy, so failures are only logged.
    /// </summary>
    private async Task SubscribeAsync(bool follows, TimeSpan patience, CancellationToken cancellation)
    {
        var bytes = new Subscription(follows).ToArray();
        var pending = _state!.Trusted.ToHashSet(StringComparer.Ordinal);
        var until = DateTimeOffset.UtcNow + patience;
        try
        {
            while (pending.Count > 0)
            {
                var attempts = pending.Select(async peer =>
                {
                    try
                    {
                        await _exchange!.SendAsync(peer, bytes, TimeSpan.FromSeconds(Math.Min(5, patience.TotalSeconds)), cancellation).ConfigureAwait(false);
                        return peer;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellation.IsCancellationRequested)
                    {
                        return null;
                    }
                }).ToArray();
                foreach (var reached in await Task.WhenAll(attempts).ConfigureAwait(false))
                {
                    if (reached is not null)
                    {
                        pending.Remove(reached);
                    }
                }

                if (pending.Count == 0 || DateTimeOffset.UtcNow >= until)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(2), cancellation).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }

        if (pending.Count > 0 && follows)
        {
            var missing = string.Join(", ", pending.Order(StringComparer.Ordinal));
            LogNotSubscribed(missing);
        }
    }

    private async Task WaitForTrustedPeersAsync(CancellationToken cancellation)
    {
        _state!.Phase("waiting for peers");
        var needed = _state.Trusted.Union(_state.Followers, StringComparer.Ordinal).ToArray();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(_settings.PeerWait);
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (needed.All(peer => _peers!.Find(peer) is not null))
            {
                LogPeersFound(needed.Length);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellation).ConfigureAwait(false);
        }

        var missing = needed.Where(peer => _peers!.Find(peer) is null).ToArray();
        LogProceeding(missing.Length, string.Join(", ", missing), _settings.PeerWait);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "TEST ONLY: this node attacks ({Attack}); its shares are not its model")]
    private partial void LogAttacking(string attack);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node} listening on {Endpoint} (key {Fingerprint}), status {Status}; {Workload}; task signature {Signature}; trusts [{Trusted}], followed by [{Followers}]")]
    private partial void LogStarted(string node, string endpoint, string fingerprint, string status, string workload, string signature, string trusted, string followers);

    [LoggerMessage(Level = LogLevel.Error, Message = "refusing {Peer}: it runs another task (its signature {Theirs}, ours {Ours}); its parameters are never mixed in. Every peer needs the same topology training: section (task, model, algorithm, seed, compress and consensus_step, DP and secure aggregation settings) and, for an experiment, the same --dataset and --partition")]
    private partial void LogTaskMismatch(string peer, string theirs, string ours);

    private static string Describe(PeerInfo peer) =>
        string.Join(", ", peer.Addresses.Select(a => new IPEndPoint(a, peer.Port).ToString()));

    [LoggerMessage(Level = LogLevel.Information, Message = "discovered {Peer} at {Endpoints} (mDNS)")]
    private partial void LogDiscovered(string peer, string endpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Peer} left mDNS (goodbye, expiry, or no answer to queries); messages to it go where its last message came from, if any")]
    private partial void LogLost(string peer);

    [LoggerMessage(Level = LogLevel.Information, Message = "resuming after round {Round} from its checkpoint: next round {Next}{Learner}")]
    private partial void LogResumed(long round, long next, string learner);

    [LoggerMessage(Level = LogLevel.Information, Message = "all {Count} neighbours found")]
    private partial void LogPeersFound(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} neighbour(s) not found after {Seconds} s, proceeding without them for now: {Peers}")]
    private partial void LogProceeding(int count, string peers, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "finished all {Rounds} rounds; the model is in {Model}")]
    private partial void LogFinished(int rounds, string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Privacy}: σ = {Sigma:0.####}, ε reported at δ = {Delta:G3}{Budget}; noise {Source}")]
    private partial void LogPrivacy(string privacy, double sigma, double delta, string budget, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Line}")]
    private partial void LogPrivacyStop(string line);

    /// <summary>A setting that runs but does less than a user would expect (a weak robust rule, a one-node FedAvg), in its own words.</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Line}")]
    private partial void LogSettingWarning(string line);

    [LoggerMessage(Level = LogLevel.Information, Message = "privacy spent over {Rounds} private rounds: {Spent}{Stopped}")]
    private partial void LogPrivacySpent(long rounds, string spent, string stopped);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping: saying goodbye and keeping the last checkpoint")]
    private partial void LogStopping();

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not reach {Peers} to subscribe; their status will not show this node as a subscribed follower")]
    private partial void LogNotSubscribed(string peers);

    [LoggerMessage(Level = LogLevel.Error, Message = "giving up: {Reason}")]
    private partial void LogGaveUp(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "the node failed")]
    private partial void LogFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the newest checkpoint holds the model of round {Round}: gossipfl export --data-dir {DataDirectory} -o {File}")]
    private partial void LogModelAfterFailure(long round, string dataDirectory, string file);

    /// <summary>The status endpoint's <c>/model?format=safetensors</c>: the node's model with the metadata an export carries.</summary>
    private byte[] ModelAsSafeTensors(long round, float[] parameters)
    {
        if (_layout is null)
        {
            using var engine = TorchModel.Create(_description!.Model, _description.InputShape, _description.ClassCount);
            _layout = engine.ParameterLayout();
        }

        var metadata = new Dictionary<string, string>(_modelMetadata!, StringComparer.Ordinal) { [NodeModelFiles.RoundKey] = round.ToString(CultureInfo.InvariantCulture) };
        return ModelFile.ToSafeTensors(_layout, parameters, metadata);
    }

    private sealed class StateSource(NodeState state, Func<long, float[], byte[]> safeTensors) : INodeStatusSource
    {
        public NodeStatus Snapshot() => state.Snapshot();

        public (long Round, float[] Parameters)? Model() => state.Model();

        public byte[]? ModelAsSafeTensors(long round, float[] parameters) => safeTensors(round, parameters);
    }

    private sealed class AsyncDisposer(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
