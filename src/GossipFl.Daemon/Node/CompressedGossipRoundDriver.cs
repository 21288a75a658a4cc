using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Compression;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Files;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Node;

/// <summary>
/// Synchronous rounds of compressed gossip (<see cref="CompressedGossipNode"/>: CHOCO-SGD for D-PSGD, compressed
/// push-sum for OPS) with the same node object the simulator runs, so a lossless run ends with the simulator's bits.
/// Every trusted peer's share of a round must arrive, since each peer's estimate is summed from all of them: a share
/// still missing at the round deadline stops the node with an error naming the peer, rather than mixing wrongly.
/// </summary>
internal sealed partial class CompressedGossipRoundDriver : IRoundDriver
{
    private readonly RoundServices _services;
    private readonly CompressedGossipNode _node;
    private readonly ICodec _codec;
    private readonly NodeState _state;
    private readonly ILogger _logger;
    private readonly List<CompressedGossipMessage> _outbox = [];
    private readonly Dictionary<(string Sender, long Round), CompressedModelShare> _pending = [];

    public CompressedGossipRoundDriver(
        string name, TopologyDocument topology, CompressedGossipNode node, ILocalLearner learner, IShareExchange exchange, RoundOptions options,
        NodeState state, CheckpointStore? checkpoints, MetricsWriter? metrics, ILogger logger)
    {
        _services = new RoundServices(name, topology, node, learner, exchange, options, state, checkpoints, metrics, logger, asynchronous: false);
        _node = node;
        _codec = node.Codec.Create(node.X.Length);
        _state = state;
        _logger = logger;
    }

    public async Task RunAsync(long firstRound, CancellationToken cancellation)
    {
        for (var round = firstRound; round < _services.Options.Rounds; round++)
        {
            cancellation.ThrowIfCancellationRequested();
            await RunRoundAsync(round, cancellation).ConfigureAwait(false);
        }

        _state.Phase("finished");
    }

    private async Task RunRoundAsync(long round, CancellationToken cancellation)
    {
        var (graph, plans) = _services.PlansFor(round);
        var self = graph.IndexOf(_services.Name);
        var plan = plans[self];
        _node.BeginRound(round, plan);
        _state.Phase("training");
        var loss = _node.Train(_services.Learner);

        _outbox.Clear();
        _node.Send(_outbox);
        _state.Phase("exchanging");
        var sends = _outbox.Select(message =>
        {
            var share = new CompressedModelShare(round, message.Share, message.Weight, message.Codec, message.Payload);
            var bytes = new byte[share.Size];
            share.WriteTo(bytes);
            return _services.SendBytesAsync(graph.NameOf(message.To), round, bytes, cancellation);
        }).ToArray();

        var sources = plan.Sources.ToArray().Where(s => s != self).Select(graph.NameOf).ToHashSet(StringComparer.Ordinal);
        var missing = sources.Where(s => !_pending.ContainsKey((s, round))).ToHashSet(StringComparer.Ordinal);
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
        {
            deadline.CancelAfter(_services.Options.RoundDeadline);
            while (missing.Count > 0)
            {
                IncomingPayload incoming;
                try
                {
                    incoming = await _services.Exchange.ReceiveAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    break;
                }

                using (incoming)
                {
                    if (_services.ReadCompressed(incoming, _codec) is not { } share)
                    {
                        continue;
                    }

                    // A peer is at most one round ahead of this one in synchronous mode; anything else is stale or foreign.
                    if (share.Round < round || share.Round > round + 1 || !_pending.TryAdd((incoming.Sender, share.Round), share))
                    {
                        _state.Drop("unexpected_share_round");
                        continue;
                    }

                    _state.Heard(incoming.Sender);
                    if (share.Round == round)
                    {
                        missing.Remove(incoming.Sender);
                    }
                }
            }
        }

        if (missing.Count > 0)
        {
            throw new CompressedGossipStoppedException(
                $"round {round}: no share from {string.Join(", ", missing.Order(StringComparer.Ordinal))} before the deadline; compressed gossip needs every share (its estimates are sums over all of them) and stops rather than mix wrongly");
        }

        var delivered = await Task.WhenAll(sends).ConfigureAwait(false);
        if (delivered.Contains(false))
        {
            var unreached = _outbox.Where((_, k) => !delivered[k]).Select(m => graph.NameOf(m.To)).Order(StringComparer.Ordinal);
            throw new CompressedGossipStoppedException(
                $"round {round}: the share for {string.Join(", ", unreached)} could not be delivered; compressed gossip needs every share (its followers' estimates are sums over all of them) and stops rather than mix wrongly");
        }

        foreach (var sender in sources.Order(StringComparer.Ordinal))
        {
            _pending.Remove((sender, round), out var share);
            var message = new CompressedGossipMessage(graph.IndexOf(sender), _node.Index, round, share!.Codec, share.Share, share.Weight, share.Payload);
            if (!_node.TryReceive(message, out var refusal))
            {
                throw new CompressedGossipStoppedException($"round {round}: {refusal}");
            }
        }

        _node.Complete();
        var accuracy = _services.Record(round, loss);
        LogRound(round, loss, accuracy, sources.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "round {Round} done: training loss {Loss:F4}{Accuracy}; compressed shares from all {Expected} trusted peers")]
    private partial void LogRound(long round, double loss, string accuracy, int expected);
}
