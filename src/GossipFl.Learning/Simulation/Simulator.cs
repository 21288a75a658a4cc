using System.Diagnostics;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Models;
using GossipFl.Learning.Privacy;
using GossipFl.Learning.Robustness;
using GossipFl.Topology.Graph;

namespace GossipFl.Learning.Simulation;

/// <summary>
/// N peers in one process, in synchronous rounds, running the same algorithm objects a daemon runs
/// (<see cref="GossipNode"/>, <see cref="FedAvgCoordinator"/>, <see cref="FedAvgClient"/>) over a
/// <see cref="VirtualNetwork"/>. A round: churn decides who is up; live peers begin the round with their
/// mixing plan, train, send; the network drops, delays or delivers each message; peers fold what arrived.
/// Deterministic: the same learners, options and seed give bit-identical results for any thread count.
/// With an attack, the attackers (drawn by the seed) send the attack's vector instead of their honest one; the
/// simulator's attackers are omniscient (ALIE sees every honest vector of the round). Label flipping is in the
/// attackers' learners, built by the caller.
/// </summary>
public sealed partial class Simulator
{
    private readonly Func<long, TrustGraph> _graphForRound;
    private readonly IReadOnlyList<ILocalLearner> _learners;
    private readonly PrivateLearner[]? _private;
    private readonly List<string> _privacyStops = [];
    private readonly float[][] _initial;
    private readonly int _parameterCount;
    private readonly SimulationOptions _options;
    private readonly IMetricsSink? _sink;
    private readonly int _nodeCount;
    private readonly long[] _bytesSent;
    private readonly long[] _bytesReceived;
    private readonly double[] _losses;
    private readonly float[][] _models;
    private readonly Evaluation?[] _evaluations;
    private TrustGraph? _plannedGraph;
    private MixingPlan[] _plans = [];
    private double _regretSum;
    private long _regretCount;
    private readonly AggregationSpec _aggregation;
    private readonly int[] _attackers;
    private readonly bool[] _isAttacker;
    private readonly float[][] _attackVectors;
    private readonly ContributionCounts _counts;
    private long _roundClipped;
    private long _roundDiscarded;

    public Simulator(
        Func<long, TrustGraph> graphForRound,
        IReadOnlyList<ILocalLearner> learners,
        IReadOnlyList<float[]> initial,
        SimulationOptions options,
        IMetricsSink? sink = null)
    {
        ArgumentNullException.ThrowIfNull(graphForRound);
        ArgumentNullException.ThrowIfNull(learners);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(initial);
        if (options.Algorithm == AlgorithmKind.Centralized)
        {
            throw new ArgumentException("centralized training runs in CentralizedSimulation, not among peers", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.Rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Threads, 1);
        options.Network.Validate();
        _graphForRound = graphForRound;
        _learners = learners;
        _options = options;
        _sink = sink;
        var graph = graphForRound(0);
        _nodeCount = graph.NodeCount;
        if (learners.Count != _nodeCount)
        {
            throw new ArgumentException($"{learners.Count} learners for {_nodeCount} nodes", nameof(learners));
        }

        if (initial.Count != 1 && initial.Count != _nodeCount)
        {
            throw new ArgumentException($"give one initial vector for all nodes or one per node, not {initial.Count}", nameof(initial));
        }

        _initial = Enumerable.Range(0, _nodeCount).Select(i => initial[initial.Count == 1 ? 0 : i].ToArray()).ToArray();
        _parameterCount = _initial[0].Length;
        foreach (var learner in learners)
        {
            if (learner.ParameterCount != _parameterCount)
            {
                throw new ArgumentException($"a learner has {learner.ParameterCount} parameters; the initial vector has {_parameterCount}", nameof(learners));
            }
        }

        if (_initial.Any(v => v.Length != _parameterCount))
        {
            throw new ArgumentException("initial vectors differ in length", nameof(initial));
        }

        if (options.Privacy is { } privacy)
        {
            // Every peer's learner clips and noises its own update (peer-level) or has its engine run DP-SGD (sample-level;
            // a shared engine is set up once, by peer 0); the simulator's noise is seeded (reproducible runs).
            var seeded = privacy with { NoiseSeed = privacy.NoiseSeed ?? options.Seed };
            var names = graph.Names;
            _private = new PrivateLearner[_nodeCount];
            for (var i = 0; i < _nodeCount; i++)
            {
                var name = names[i];
                _private[i] = PrivateLearner.Create(learners[i], seeded, i, options.Rounds);
                _private[i].BudgetExhausted = line =>
                {
                    lock (_privacyStops)
                    {
                        _privacyStops.Add($"{name}: {line}");
                    }
                };
            }

            _learners = _private;
        }

        Names = graph.Names;
        _bytesSent = new long[_nodeCount];
        _bytesReceived = new long[_nodeCount];
        _losses = new double[_nodeCount];
        _models = new float[_nodeCount][];
        for (var i = 0; i < _nodeCount; i++)
        {
            _models[i] = new float[_parameterCount];
        }

        _evaluations = new Evaluation?[_nodeCount];
        _aggregation = options.Aggregation ?? AggregationSpec.Mean;
        _aggregation.EnsureFits(options.Algorithm);
        _attackers = options.Attackers?.Order().ToArray() ?? options.Attack?.ChooseAttackers(_nodeCount, options.Seed) ?? [];
        _isAttacker = new bool[_nodeCount];
        foreach (var attacker in _attackers)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(attacker);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(attacker, _nodeCount);
            _isAttacker[attacker] = true;
        }

        if (_attackers.Length >= _nodeCount)
        {
            throw new ArgumentException("at least one peer must be honest", nameof(options));
        }

        // Compressed gossip mixes the tracked estimates of its neighbours (CHOCO-SGD, compressed push-sum), which neither
        // the robust rules nor the attacks are written against yet; FedAvg compresses updates and applies both.
        if (options.Compressed && options.Algorithm != AlgorithmKind.FedAvg && (!_aggregation.IsMean || options.Attack is not null))
        {
            throw new ArgumentException(
                $"compressed gossip ({options.Compression}) runs with --aggregation mean and no --attack; robust rules and attacks apply to uncompressed gossip and to FedAvg",
                nameof(options));
        }

        _attackVectors = _isAttacker.Select(a => a ? new float[_parameterCount] : []).ToArray();
        _counts = new ContributionCounts(_nodeCount);
    }

    /// <summary>Each peer's private learner (its account, mechanism and stop), or null without peer-level DP.</summary>
    public IReadOnlyList<PrivateLearner>? PrivateLearners => _private;

    /// <summary>The lines peers' privacy budgets stopped them with, in the order they stopped.</summary>
    public IReadOnlyList<string> PrivacyStops => _privacyStops;

    /// <summary>The attacking peers, ascending (empty without an attack).</summary>
    public IReadOnlyList<int> Attackers => _attackers;

    /// <summary>Whether this run reports robustness figures: a robust rule or an attack.</summary>
    public bool ReportsRobustness => !_aggregation.IsMean || _options.Attack is not null;

    public IReadOnlyList<string> Names { get; }

    public SimulationResult Run(IProgress<SimulationProgress>? progress = null, CancellationToken cancellation = default) =>
        _options.Algorithm == AlgorithmKind.FedAvg
            ? RunFedAvg(progress, cancellation)
            : RunGossip(progress, cancellation);

    private SimulationResult RunGossip(IProgress<SimulationProgress>? progress, CancellationToken cancellation)
    {
        if (_options.Compressed)
        {
            return RunCompressedGossip(progress, cancellation);
        }

        var clock = Stopwatch.StartNew();
        var scheme = AlgorithmNames.SchemeOf(_options.Algorithm)!.Value;
        var nodes = new GossipNode[_nodeCount];
        for (var i = 0; i < _nodeCount; i++)
        {
            nodes[i] = new GossipNode(i, _options.Algorithm, _initial[i], _aggregation);
        }

        var network = new VirtualNetwork(_options.Network, _nodeCount, _options.Seed);
        var outbox = new RoundOutbox();
        var pending = new Dictionary<long, List<GossipMessage>>();
        var byReceiver = new ReceiverOrder(_nodeCount);
        var deliverable = Array.Empty<bool>();
        var undelivered = Array.Empty<bool>();
        var alive = new bool[_nodeCount];
        Task<(TrustGraph, MixingPlan[])>? upcoming = null;
        long sent = 0, lost = 0;
        var lostWeight = 0.0;
        RoundMetrics? last = null;
        var completed = 0;
        var cancelled = false;
        for (long round = 0; round < _options.Rounds; round++)
        {
            if (cancellation.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }

            // A time-varying topology's next graph is drawn on another core while this round runs.
            var (graph, plans) = upcoming?.Result ?? PlanFor(round, scheme, _plannedGraph, _plans);
            var unchanged = ReferenceEquals(graph, _plannedGraph);
            _plannedGraph = graph;
            _plans = plans;
            var next = round + 1;
            upcoming = unchanged || next >= _options.Rounds ? null : Task.Run(() => PlanFor(next, scheme, graph, plans));

            network.AdvanceTo(round);
            network.Alive.CopyTo(alive);
            var plansOfRound = _plans;
            var roundNumber = round;
            ForEachAlive(alive, _options.ParallelTraining, i =>
            {
                nodes[i].BeginRound(roundNumber, plansOfRound[i]);
                _losses[i] = nodes[i].Train(_learners[i]);
            });

            outbox.Clear();
            for (var i = 0; i < _nodeCount; i++)
            {
                if (alive[i])
                {
                    nodes[i].Send(outbox);
                }
            }

            AttackGossip(outbox.Messages, round, nodes, alive);

            // Loss and delay are decided in sending order; the deliveries are then made receiver by receiver
            // (ReceiverOrder), and what was lost or refused is accounted in sending order again, so every sum
            // (lost weight, reclaimed shares) adds the same terms in the same order as one pass would.
            long roundBytes = 0;
            var messages = outbox.Messages;
            if (deliverable.Length < messages.Length)
            {
                deliverable = new bool[messages.Length];
                undelivered = new bool[messages.Length];
            }

            for (var k = 0; k < messages.Length; k++)
            {
                ref readonly var message = ref messages[k];
                sent++;
                roundBytes += message.WireBytes;
                _bytesSent[message.From] += message.WireBytes;
                var delay = network.DelayOf(round, message.From, message.To);
                var isLost = network.IsLost(round, message.From, message.To);
                deliverable[k] = !isLost && delay == 0;
                undelivered[k] = isLost;
                if (!isLost && delay > 0)
                {
                    // The sender's snapshot is overwritten next round, so a late message carries its own copy.
                    var copy = message with { Values = message.Values.ToArray() };
                    if (!pending.TryGetValue(round + delay, out var later))
                    {
                        later = [];
                        pending[round + delay] = later;
                    }

                    later.Add(copy);
                }
            }

            byReceiver.Arrange(messages, deliverable);
            var roundMessages = outbox;
            var refused = undelivered;
            ForEachNode(parallel: true, to =>
            {
                var inOrder = roundMessages.Messages;
                foreach (var k in byReceiver.MessagesOf(to))
                {
                    if (!Deliver(nodes, alive, inOrder[k]))
                    {
                        refused[k] = true;
                    }
                }
            });

            for (var k = 0; k < messages.Length; k++)
            {
                if (undelivered[k])
                {
                    lost++;
                    lostWeight += Reclaim(nodes, messages[k]);
                }
            }

            if (pending.Remove(round, out var due))
            {
                foreach (var message in due)
                {
                    if (!Deliver(nodes, alive, message))
                    {
                        lost++;
                        lostWeight += message.Weight;
                    }
                }
            }

            // Each node's fold and its de-biased copy for the metrics, while its state is in this core's cache.
            ForEachNode(parallel: true, i =>
            {
                if (alive[i])
                {
                    nodes[i].Complete();
                }

                nodes[i].CopyModel(_models[i]);
            });
            if (!_aggregation.IsMean)
            {
                // Under mean aggregation every verdict is Kept, which counts nothing.
                for (var i = 0; i < _nodeCount; i++)
                {
                    if (alive[i])
                    {
                        Count(i, nodes[i].LastVerdicts);
                    }
                }
            }

            last = Measure(round, alive, roundBytes, clock.Elapsed, i => nodes[i].Weight, messages: outbox.Count, perNeighbour: PerMessage(roundBytes, outbox.Count));
            completed++;
            progress?.Report(new SimulationProgress(round, _options.Rounds, last.MeanTrainLoss, last.MeanTestAccuracy));
        }

        // Messages still in flight when the run ends never arrive: lost mass as far as the final state goes.
        foreach (var message in pending.Values.SelectMany(m => m))
        {
            lostWeight += message.Weight;
        }

        WritePeerTotals();
        return new SimulationResult(
            completed, cancelled, last, _models.Select(m => m.ToArray()).ToArray(), nodes.Select(n => n.Weight).ToArray(),
            sent, lost, lostWeight, clock.Elapsed, _attackers, _counts);
    }

    /// <summary>Round <paramref name="round"/>'s graph and plans (<paramref name="previousPlans"/> when the graph object is unchanged).</summary>
    private (TrustGraph Graph, MixingPlan[] Plans) PlanFor(long round, Topology.Mixing.MixingScheme scheme, TrustGraph? previous, MixingPlan[] previousPlans)
    {
        var graph = _graphForRound(round);
        if (ReferenceEquals(graph, previous))
        {
            return (graph, previousPlans);
        }

        if (graph.NodeCount != _nodeCount)
        {
            throw new InvalidOperationException($"round {round}'s graph has {graph.NodeCount} nodes, not {_nodeCount}");
        }

        return (graph, MixingPlan.ForAll(graph, scheme));
    }

    /// <summary>Hands an undelivered message of this round back to its sender when reclaiming; returns the weight lost.</summary>
    private double Reclaim(GossipNode[] nodes, in GossipMessage message)
    {
        if (!_options.ReclaimLostShares)
        {
            return message.Weight;
        }

        nodes[message.From].Reclaim(message);
        return 0;
    }

    private bool Deliver(GossipNode[] nodes, bool[] alive, in GossipMessage message)
    {
        // A peer that is down receives nothing; what was sent to it is gone.
        if (!alive[message.To] || !nodes[message.To].Receive(message))
        {
            return false;
        }

        _bytesReceived[message.To] += message.WireBytes;
        return true;
    }

    private SimulationResult RunFedAvg(IProgress<SimulationProgress>? progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var clients = new FedAvgClient[_nodeCount];
        for (var i = 0; i < _nodeCount; i++)
        {
            // FedAvg has one global model: every client starts from node 0's initial vector.
            clients[i] = new FedAvgClient(i, _initial[0]);
        }

        var network = new VirtualNetwork(_options.Network, _nodeCount, _options.Seed);
        var alive = new bool[_nodeCount];
        // Codecs hold no state between calls, so one serves every client and the coordinator.
        var codec = _options.Compressed ? _options.Compression!.Create(_parameterCount) : null;
        var compressors = codec is null ? null : Enumerable.Range(0, _nodeCount).Select(i => new FedAvgUpdateCompressor(i, codec, _options.Seed)).ToArray();
        var rebuilt = compressors is null ? null : Enumerable.Range(0, _nodeCount).Select(_ => new float[_parameterCount]).ToArray();
        FedAvgCoordinator? coordinator = null;
        var broadcasts = new List<GossipMessage>();
        var replies = new GossipMessage[_nodeCount];
        var reached = new bool[_nodeCount];
        long sent = 0, lost = 0;
        RoundMetrics? last = null;
        var completed = 0;
        var cancelled = false;
        for (long round = 0; round < _options.Rounds; round++)
        {
            if (cancellation.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }

            network.AdvanceTo(round);
            network.Alive.CopyTo(alive);
            var live = Enumerable.Range(0, _nodeCount).Where(i => alive[i]).ToArray();
            long roundBytes = 0, updateBytes = 0, updates = 0;
            var sentBefore = sent;
            Array.Clear(reached);
            if (live.Length > 0)
            {
                // The coordinator is the lowest-index live peer (the daemon elects one); a successor resumes from
                // the newest global model it holds.
                if (coordinator is null || !alive[coordinator.Index])
                {
                    coordinator = new FedAvgCoordinator(live[0], clients[live[0]].LastGlobal, round, _aggregation);
                }

                var chosen = FedAvgCoordinator.SelectClients(round, live, _options.ClientFraction, _options.Seed);
                broadcasts.Clear();
                coordinator.Broadcast(round, chosen, broadcasts);
                foreach (var message in broadcasts)
                {
                    sent++;
                    roundBytes += Account(message);
                    // FedAvg rounds are synchronous: a message that is late misses its round, the same as lost.
                    if (message.To != coordinator.Index && (network.IsLost(round, message.From, message.To) || network.DelayOf(round, message.From, message.To) > 0))
                    {
                        lost++;
                        continue;
                    }

                    _bytesReceived[message.To] += message.WireBytes;
                    reached[message.To] = true;
                }

                var messageOf = broadcasts.ToDictionary(m => m.To);
                ForEachAlive(reached, _options.ParallelTraining, i => replies[i] = clients[i].TrainAndReply(messageOf[i], _learners[i], out _losses[i]));
                AttackFedAvg(replies, reached, round);
                var replyBytes = new long[_nodeCount];
                if (compressors is not null)
                {
                    // Clients send their compressed change; the coordinator rebuilds each model from its own global one.
                    var currentCoordinator = coordinator;
                    ForEachAlive(reached, parallel: true, i =>
                    {
                        var payload = compressors[i].Encode(round, replies[i].Values.Span, clients[i].LastGlobal);
                        replyBytes[i] = CompressedGossipMessage.HeaderBytes + payload.Length;
                        if (!FedAvgUpdateCompressor.TryReconstruct(codec!, payload.Span, currentCoordinator.Global, rebuilt![i], out var reason))
                        {
                            throw new InvalidOperationException($"client {i}'s update does not decode: {reason}");
                        }

                        replies[i] = replies[i] with { Values = rebuilt[i] };
                    });
                }

                for (var i = 0; i < _nodeCount; i++)
                {
                    if (!reached[i])
                    {
                        continue;
                    }

                    sent++;
                    var bytes = compressors is null ? replies[i].WireBytes : replyBytes[i];
                    _bytesSent[i] += bytes;
                    roundBytes += bytes;
                    updateBytes += bytes;
                    updates++;
                    if (i != coordinator.Index && (network.IsLost(round, i, coordinator.Index) || network.DelayOf(round, i, coordinator.Index) > 0))
                    {
                        lost++;
                        continue;
                    }

                    _bytesReceived[coordinator.Index] += bytes;
                    coordinator.Receive(replies[i]);
                }

                coordinator.Complete();
                Count(coordinator.Index, coordinator.LastVerdicts);

                // The coordinator publishes the new global model to every live peer, sampled or not, so any of them
                // can take over from it (the daemon does the same; a lost publication leaves a peer one model behind).
                broadcasts.Clear();
                coordinator.Publish(live, broadcasts);
                foreach (var publication in broadcasts)
                {
                    if (publication.To != coordinator.Index)
                    {
                        sent++;
                        roundBytes += Account(publication);
                        if (network.IsLost(round, publication.From, publication.To))
                        {
                            lost++;
                            continue;
                        }

                        _bytesReceived[publication.To] += publication.WireBytes;
                    }

                    clients[publication.To].Adopt(round, publication.Values.Span);
                }
            }

            for (var i = 0; i < _nodeCount; i++)
            {
                clients[i].LastGlobal.CopyTo(_models[i]);
            }

            last = Measure(round, reached, roundBytes, clock.Elapsed, _ => 1.0, alive, sent - sentBefore, PerMessage(updateBytes, updates));
            completed++;
            progress?.Report(new SimulationProgress(round, _options.Rounds, last.MeanTrainLoss, last.MeanTestAccuracy));
        }

        WritePeerTotals();
        return new SimulationResult(
            completed, cancelled, last, _models.Select(m => m.ToArray()).ToArray(), Enumerable.Repeat(1.0, _nodeCount).ToArray(),
            sent, lost, 0, clock.Elapsed, _attackers, _counts);
    }

    /// <summary>
    /// Replaces the attackers' outgoing vectors with the attack's (built on the de-biased model z under push-sum,
    /// then scaled by the sender's weight, so the weight a share carries stays honest and z is what is attacked).
    /// </summary>
    private void AttackGossip(Span<GossipMessage> outbox, long round, GossipNode[] nodes, bool[] alive)
    {
        if (_attackers.Length == 0 || _options.Attack is not { } attack || attack.Kind == AttackKind.LabelFlip)
        {
            return;
        }

        List<ReadOnlyMemory<float>>? honest = null;
        if (attack.Kind == AttackKind.Alie)
        {
            honest = [];
            for (var i = 0; i < _nodeCount; i++)
            {
                if (alive[i] && !_isAttacker[i])
                {
                    nodes[i].CopyModel(_models[i]);
                    honest.Add(_models[i]);
                }
            }
        }

        var pushSum = _options.Algorithm == AlgorithmKind.PushSum;
        foreach (var a in _attackers)
        {
            if (!alive[a])
            {
                continue;
            }

            var vector = _attackVectors[a];
            nodes[a].CopyModel(vector);
            Craft(attack.Kind, vector, vector, honest, round, a);
            if (pushSum)
            {
                VectorMath.Scale(vector, vector, (float)nodes[a].Weight);
            }
        }

        for (var k = 0; k < outbox.Length; k++)
        {
            if (_isAttacker[outbox[k].From])
            {
                outbox[k] = outbox[k] with { Values = _attackVectors[outbox[k].From] };
            }
        }
    }

    /// <summary>Replaces the attackers' FedAvg replies (ALIE over this round's honest replies).</summary>
    private void AttackFedAvg(GossipMessage[] replies, bool[] reached, long round)
    {
        if (_attackers.Length == 0 || _options.Attack is not { } attack || attack.Kind == AttackKind.LabelFlip)
        {
            return;
        }

        var honest = new List<ReadOnlyMemory<float>>();
        for (var i = 0; i < _nodeCount; i++)
        {
            if (reached[i] && !_isAttacker[i])
            {
                honest.Add(replies[i].Values);
            }
        }

        foreach (var a in _attackers)
        {
            if (!reached[a] || (attack.Kind == AttackKind.Alie && honest.Count == 0))
            {
                continue;
            }

            Craft(attack.Kind, replies[a].Values.Span, _attackVectors[a], honest, round, a);
            replies[a] = replies[a] with { Values = _attackVectors[a] };
        }
    }

    private void Craft(AttackKind kind, ReadOnlySpan<float> own, Span<float> destination, List<ReadOnlyMemory<float>>? honest, long round, int attacker)
    {
        switch (kind)
        {
            case AttackKind.SignFlip:
                Attacks.SignFlip(own, destination);
                break;
            case AttackKind.Gaussian:
                Attacks.Gaussian(destination, _options.Seed, round, attacker);
                break;
            case AttackKind.Alie:
                Attacks.Alie(honest!, Attacks.AlieZ(_nodeCount, _attackers.Length), destination);
                break;
        }
    }

    private void Count(int receiver, IReadOnlyList<ContributionVerdict> verdicts)
    {
        var (clipped, discarded) = _counts.Record(receiver, verdicts);
        _roundClipped += clipped;
        _roundDiscarded += discarded;
    }

    private void WritePeerTotals()
    {
        if (_sink is null || (!ReportsRobustness && _private is null))
        {
            return;
        }

        for (var i = 0; i < _nodeCount; i++)
        {
            var account = _private?[i].Account;
            _sink.WritePeer(new PeerTotals(
                Names[i], _isAttacker[i], _counts.ClippedTotal(i), _counts.DiscardedTotal(i),
                account?.Epsilon, account?.Delta, _private?[i].StoppedBeforeRound));
        }
    }

    private static double? PerMessage(long bytes, long messages) => messages > 0 ? (double)bytes / messages : null;

    private long Account(in GossipMessage message)
    {
        _bytesSent[message.From] += message.WireBytes;
        return message.WireBytes;
    }

    /// <summary>
    /// Round metrics over the peers that trained (<paramref name="trained"/>), consensus and accuracy over the
    /// live peers (<paramref name="live"/>, the same set for gossip).
    /// </summary>
    private RoundMetrics Measure(
        long round, bool[] trained, long roundBytes, TimeSpan elapsed, Func<int, double> weightOf, bool[]? live = null, long messages = 0, double? perNeighbour = null)
    {
        live ??= trained;
        var lossSum = 0.0;
        var trainedCount = 0;
        for (var i = 0; i < _nodeCount; i++)
        {
            // A peer whose privacy budget is spent declines to train: it used no samples and has no loss.
            if (trained[i] && !Declined(i))
            {
                lossSum += _losses[i];
                trainedCount++;
            }
        }

        _regretSum += lossSum;
        _regretCount += trainedCount;
        var aliveCount = live.Count(a => a);
        var consensus = ConsensusDistance(live, aliveCount);

        double? mean = null, min = null, max = null, honest = null;
        var evaluate = _options.IsEvaluationRound(round);
        if (evaluate)
        {
            Array.Clear(_evaluations);
            ForEachAlive(live, _options.ParallelTraining, i => _evaluations[i] = _learners[i].Evaluate(_models[i]));
            var accuracies = _evaluations.Where(e => e is { } v && !double.IsNaN(v.Accuracy)).Select(e => e!.Value.Accuracy).ToArray();
            if (accuracies.Length > 0)
            {
                mean = accuracies.Average();
                min = accuracies.Min();
                max = accuracies.Max();
            }

            var honestAccuracies = _evaluations.Where((e, i) => !_isAttacker[i] && e is { } v && !double.IsNaN(v.Accuracy)).Select(e => e!.Value.Accuracy).ToArray();
            if (ReportsRobustness && honestAccuracies.Length > 0)
            {
                honest = honestAccuracies.Average();
            }
        }

        var metrics = new RoundMetrics(
            round, _nodeCount, aliveCount, trainedCount > 0 ? lossSum / trainedCount : double.NaN,
            _regretCount > 0 ? _regretSum / _regretCount : double.NaN, mean, min, max, consensus, roundBytes, elapsed.TotalSeconds,
            honest, _roundClipped, _roundDiscarded, messages, perNeighbour,
            _private?.Max(p => p.Account.Epsilon), _private?.Count(p => p.Exhausted));
        _roundClipped = 0;
        _roundDiscarded = 0;
        _sink?.WriteRound(metrics);
        if (evaluate && _sink is not null)
        {
            for (var i = 0; i < _nodeCount; i++)
            {
                var evaluation = _evaluations[i];
                _sink.WriteNode(new NodeMetrics(
                    round, Names[i], trained[i] && !Declined(i) ? _losses[i] : null,
                    evaluation is { } e && !double.IsNaN(e.Loss) ? e.Loss : null,
                    evaluation is { } a && !double.IsNaN(a.Accuracy) ? a.Accuracy : null,
                    weightOf(i), _bytesSent[i], _bytesReceived[i],
                    Epsilon: _private?[i].Account.Epsilon, Delta: _private?[i].Account.Delta));
            }
        }

        return metrics;
    }

    private bool Declined(int node) => _private is not null && _private[node].Exhausted;

    /// <summary>Mean over live peers of ‖z_i − z̄‖², z̄ the live peers' mean, in double, in node order.</summary>
    private double ConsensusDistance(bool[] live, int aliveCount)
    {
        if (aliveCount == 0)
        {
            return double.NaN;
        }

        var length = _parameterCount;
        var mean = new double[length];
        for (var i = 0; i < _nodeCount; i++)
        {
            if (live[i])
            {
                var model = _models[i];
                for (var k = 0; k < length; k++)
                {
                    mean[k] += model[k];
                }
            }
        }

        for (var k = 0; k < length; k++)
        {
            mean[k] /= aliveCount;
        }

        var total = 0.0;
        for (var i = 0; i < _nodeCount; i++)
        {
            if (live[i])
            {
                var model = _models[i];
                for (var k = 0; k < length; k++)
                {
                    var d = model[k] - mean[k];
                    total += d * d;
                }
            }
        }

        return total / aliveCount;
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every node, on up to <see cref="SimulationOptions.Threads"/> threads when
    /// <paramref name="parallel"/>; the body must touch only its node's state.
    /// </summary>
    private void ForEachNode(bool parallel, Action<int> body)
    {
        if (!parallel || _options.Threads == 1)
        {
            for (var i = 0; i < _nodeCount; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, _nodeCount, new ParallelOptions { MaxDegreeOfParallelism = _options.Threads }, body);
    }

    private void ForEachAlive(bool[] alive, bool parallel, Action<int> body)
    {
        if (!parallel || _options.Threads == 1)
        {
            for (var i = 0; i < alive.Length; i++)
            {
                if (alive[i])
                {
                    body(i);
                }
            }

            return;
        }

        Parallel.For(0, alive.Length, new ParallelOptions { MaxDegreeOfParallelism = _options.Threads }, i =>
        {
            if (alive[i])
            {
                body(i);
            }
        });
    }
}
