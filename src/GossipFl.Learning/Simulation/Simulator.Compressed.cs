using System.Diagnostics;
using GossipFl.Learning.Algorithms;
using GossipFl.Topology.Graph;

namespace GossipFl.Learning.Simulation;

/// <summary>Compressed gossip (<see cref="CompressedGossipNode"/>): CHOCO-SGD for D-PSGD, compressed push-sum for OPS.</summary>
public sealed partial class Simulator
{
    /// <summary>
    /// The same round as <see cref="RunGossip"/>, with every message encoded. The public estimates are only right if
    /// every message arrives, in its round or later, and the weights stay fixed: a delayed message is folded in the round
    /// it arrives, as daemons fold a late share, but a lossy or churning network (whose messages never arrive; daemons
    /// resend theirs) and a time-varying graph are refused up front rather than producing silently wrong models.
    /// </summary>
    private SimulationResult RunCompressedGossip(IProgress<SimulationProgress>? progress, CancellationToken cancellation)
    {
        var network = _options.Network;
        if (network.LossProbability > 0 || network.ChurnProbability > 0)
        {
            throw new ArgumentException(
                "compressed gossip needs every message to arrive (late is fine): run it without --loss or --churn (docs/algorithms.md, \"Compressed gossip\")");
        }

        if (network.MaxDelayRounds > CompressedGossipNode.MaxTestedDelayRounds)
        {
            throw new ArgumentException(
                $"compressed gossip is measured to converge with messages up to {CompressedGossipNode.MaxTestedDelayRounds} rounds late; --delay {network.MaxDelayRounds} is more (docs/algorithms.md)");
        }

        if (_options.Algorithm is not (AlgorithmKind.PushSum or AlgorithmKind.DPsgd))
        {
            throw new ArgumentException($"compression runs with ops (compressed push-sum), dsgd (CHOCO-SGD) or fedavg, not {AlgorithmNames.NameOf(_options.Algorithm)}");
        }

        var clock = Stopwatch.StartNew();
        var scheme = AlgorithmNames.SchemeOf(_options.Algorithm)!.Value;
        var graph = _graphForRound(0);
        var plans = MixingPlan.ForAll(graph, scheme);

        // Every estimate starts where all peers start when they share one initial vector (as daemons do: the task
        // signature fixes it); otherwise at zero, as in CHOCO-SGD's paper.
        var shared = _initial.All(v => v.AsSpan().SequenceEqual(_initial[0]));
        var start = shared ? _initial[0] : new float[_parameterCount];
        var codec = _options.Compression!;
        var nodes = new CompressedGossipNode[_nodeCount];
        for (var i = 0; i < _nodeCount; i++)
        {
            nodes[i] = new CompressedGossipNode(i, _options.Algorithm, _initial[i], start, codec.Create(_parameterCount), _options.EffectiveConsensusStep, _options.Seed);
        }

        var alive = new bool[_nodeCount];
        Array.Fill(alive, true);
        var outbox = new List<CompressedGossipMessage>();
        var links = new VirtualNetwork(network, _nodeCount, _options.Seed);
        var pending = new Dictionary<long, List<CompressedGossipMessage>>();
        long sent = 0;
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

            if (round > 0 && !ReferenceEquals(_graphForRound(round), graph))
            {
                throw new InvalidOperationException("compressed gossip needs a fixed graph: the mixing weights its estimates sum over must not change (no --time-varying)");
            }

            for (var i = 0; i < _nodeCount; i++)
            {
                nodes[i].BeginRound(round, plans[i]);
            }

            ForEachAlive(alive, _options.ParallelTraining, i => _losses[i] = nodes[i].Train(_learners[i]));

            // Encoding is per node and independent (each has its own seeded generator), so it may run in parallel;
            // the messages then go out in node order.
            var perNode = new List<CompressedGossipMessage>[_nodeCount];
            ForEachAlive(alive, parallel: true, i =>
            {
                perNode[i] = [];
                nodes[i].Send(perNode[i]);
            });
            outbox.Clear();
            foreach (var messages in perNode)
            {
                outbox.AddRange(messages);
            }

            long roundBytes = 0;
            foreach (var message in outbox)
            {
                sent++;
                roundBytes += message.WireBytes;
                _bytesSent[message.From] += message.WireBytes;
                var delay = links.DelayOf(round, message.From, message.To);
                if (delay > 0)
                {
                    // The node's payload buffer is rewritten by its next Send, so a late message keeps a copy.
                    if (!pending.TryGetValue(round + delay, out var later))
                    {
                        later = [];
                        pending[round + delay] = later;
                    }

                    later.Add(message with { Payload = message.Payload.ToArray() });
                    continue;
                }

                Deliver(nodes, message, round);
            }

            // Late messages due this round (the node folds by round and sender, whatever the order they come in).
            if (pending.Remove(round, out var due))
            {
                foreach (var message in due)
                {
                    Deliver(nodes, message, round);
                }
            }

            ForEachAlive(alive, parallel: true, i => nodes[i].Complete());
            for (var i = 0; i < _nodeCount; i++)
            {
                nodes[i].CopyModel(_models[i]);
            }

            last = Measure(round, alive, roundBytes, clock.Elapsed, i => nodes[i].Weight, messages: outbox.Count, perNeighbour: PerMessage(roundBytes, outbox.Count));
            completed++;
            progress?.Report(new SimulationProgress(round, _options.Rounds, last.MeanTrainLoss, last.MeanTestAccuracy));
        }

        return new SimulationResult(
            completed, cancelled, last, _models.Select(m => m.ToArray()).ToArray(), nodes.Select(n => n.Weight).ToArray(),
            sent, 0, pending.Values.SelectMany(m => m).Sum(m => m.Weight), clock.Elapsed); // still in flight at the end: lost weight, as in RunGossip
    }

    private void Deliver(CompressedGossipNode[] nodes, in CompressedGossipMessage message, long round)
    {
        if (!nodes[message.To].TryReceive(message, out var refusal))
        {
            throw new InvalidOperationException($"round {round}: {refusal}");
        }

        _bytesReceived[message.To] += message.WireBytes;
    }
}
