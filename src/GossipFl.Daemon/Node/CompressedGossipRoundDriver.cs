using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Compression;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Files;
using GossipFl.Topology.Graph;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Node;

/// <summary>
/// Synchronous rounds of compressed gossip (<see cref="CompressedGossipNode"/>: CHOCO-SGD for D-PSGD, compressed
/// push-sum for OPS) with the same node object the simulator runs, so a lossless run ends with the simulator's bits.
/// Like <see cref="GossipRoundDriver"/>, a round waits for its trusted peers' shares until the deadline, warns naming
/// the missing ones and mixes without them (their stale estimates), and a peer silent for
/// <see cref="PresumedDownAfter"/> rounds in a row is not waited for until it is heard from again
/// (<see cref="PresumedDownPeers"/>). Estimates are sums of every change, so nothing is thrown away on either side:
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Receiving: a late share of an earlier round is folded in the round it arrives (exact: s_i is linear in the
/// changes), a share up to <see cref="RoundOptions.MaxRoundsAhead"/> rounds ahead is kept for its round, and a second
/// copy of a (sender, round) is dropped and counted.</item>
/// <item>Sending: a share a follower did not take is kept, encoded, and resent before the next ones, in order and with
/// its own round, until it is delivered. A follower that has taken none for <see cref="PresumedDownAfter"/> rounds in a
/// row is given up for the rest of the run (<see cref="CompressedGossipNode.Abandon"/>): its copy of this node's estimate
/// can no longer be repaired, the node says so once, and at most that many shares per follower are ever kept.</item>
/// </list>
/// </remarks>
internal sealed partial class CompressedGossipRoundDriver : IRoundDriver
{
    private readonly RoundServices _services;
    private readonly CompressedGossipNode _node;
    private readonly ICodec _codec;
    private readonly NodeState _state;
    private readonly ILogger _logger;
    private readonly List<CompressedGossipMessage> _outbox = [];
    private readonly Dictionary<(string Sender, long Round), CompressedModelShare> _pending = [];
    private readonly PresumedDownPeers _down = new(PresumedDownAfter);
    private readonly HashSet<string> _heardThisRound = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<Unsent>> _unsent = new(StringComparer.Ordinal);
    private HashSet<string> _sources = new(StringComparer.Ordinal);

    /// <summary>
    /// Rounds in a row without a share from a peer before it is presumed down, and without delivering one to it before
    /// it is given up (its shares are then dropped, so this also bounds what is kept for it).
    /// </summary>
    public const int PresumedDownAfter = GossipRoundDriver.PresumedDownAfter;

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
        _heardThisRound.Clear();
        _node.Send(_outbox);
        _state.Phase("exchanging");
        var sends = new List<(string Follower, Queue<Unsent> Queue, Task<int> Delivered)>(_outbox.Count);
        foreach (var message in _outbox)
        {
            var follower = graph.NameOf(message.To);
            var share = new CompressedModelShare(round, message.Share, message.Weight, message.Codec, message.Payload);
            var bytes = new byte[share.Size];
            share.WriteTo(bytes);
            if (!_unsent.TryGetValue(follower, out var queue))
            {
                _unsent[follower] = queue = new Queue<Unsent>();
            }

            queue.Enqueue(new Unsent(round, message.Weight, bytes));
            sends.Add((follower, queue, SendInOrderAsync(follower, queue.ToArray(), cancellation)));
        }

        var sources = _sources = plan.Sources.ToArray().Where(s => s != self).Select(graph.NameOf).ToHashSet(StringComparer.Ordinal);
        var missing = await CollectAsync(round, graph, sources.Where(_down.IsAwaited).ToHashSet(StringComparer.Ordinal), cancellation).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            var names = string.Join(", ", missing.Order(StringComparer.Ordinal));
            LogMissing(round, missing.Count, names);
            _state.Drop("missing_share");
        }

        var arrived = 0;
        foreach (var source in sources.Order(StringComparer.Ordinal))
        {
            var current = _node.HasFolded(graph.IndexOf(source), round);
            arrived += current ? 1 : 0;
            var heard = current || _heardThisRound.Contains(source);
            if (!heard)
            {
                _state.Missed(source);
            }

            if (_down.EndRound(source, heard))
            {
                LogSourcePresumedDown(source, PresumedDownAfter);
            }
        }

        // Before folding, learn which shares got through: the delivered ones leave the queue, the others are resent
        // next round, and a follower that has taken none for too long is given up (its estimate of this node is lost).
        await Task.WhenAll(sends.Select(s => s.Delivered)).ConfigureAwait(false);
        foreach (var (follower, queue, delivered) in sends)
        {
            for (var k = 0; k < delivered.Result; k++)
            {
                queue.Dequeue();
            }

            if (queue.Count >= PresumedDownAfter)
            {
                var undelivered = queue.Sum(u => u.Weight);
                var (count, since) = (queue.Count, queue.Peek().Round);
                _node.Abandon(graph.IndexOf(follower), undelivered);
                _unsent.Remove(follower);
                _state.Drop("follower_given_up");
                LogFollowerLost(follower, count, since);
            }
        }

        _node.Complete();
        var accuracy = _services.Record(round, loss);
        LogRound(round, loss, accuracy, arrived, sources.Count);
    }

    /// <summary>
    /// Sends <paramref name="queue"/> (the oldest undelivered share first, this round's last) until one fails; returns
    /// how many were delivered from the front. A follower never gets a change before one it is missing.
    /// </summary>
    private async Task<int> SendInOrderAsync(string follower, Unsent[] queue, CancellationToken cancellation)
    {
        var delivered = 0;
        foreach (var share in queue)
        {
            if (!await _services.SendBytesAsync(follower, share.Round, share.Bytes, cancellation).ConfigureAwait(false))
            {
                break;
            }

            delivered++;
        }

        if (delivered > 0 && queue.Length > 1)
        {
            var resent = Math.Min(delivered, queue.Length - 1);
            LogResent(follower, resent, queue[0].Round);
        }

        return delivered;
    }

    /// <summary>
    /// Reads shares until every awaited source has sent this round's, or the deadline passes; hands this round's and
    /// late ones to the node as they come and keeps those ahead. Returns who is missing.
    /// </summary>
    private async Task<HashSet<string>> CollectAsync(long round, TrustGraph graph, HashSet<string> sources, CancellationToken cancellation)
    {
        foreach (var ((sender, shareRound), share) in _pending.Where(p => p.Key.Round <= round).ToArray())
        {
            _pending.Remove((sender, shareRound));
            Fold(graph, sender, share);
        }

        var missing = sources.Where(s => !_node.HasFolded(graph.IndexOf(s), round)).ToHashSet(StringComparer.Ordinal);
        await _services.WaitForSharesAsync(missing, incoming => Accept(incoming, round, graph) is { } accepted && accepted.Round == round, cancellation).ConfigureAwait(false);
        return missing;
    }

    private CompressedModelShare? Accept(IncomingPayload incoming, long round, TrustGraph graph)
    {
        if (_services.ReadCompressed(incoming, _codec) is not { } share)
        {
            return null;
        }

        var sender = incoming.Sender;
        if (!_sources.Contains(sender))
        {
            _state.Drop("untrusted_share");
            return null;
        }

        if (share.Round > round + RoundOptions.MaxRoundsAhead)
        {
            _state.Drop("share_too_far_ahead");
            return null;
        }

        if (_node.HasFolded(graph.IndexOf(sender), share.Round) || _pending.ContainsKey((sender, share.Round)))
        {
            // A resent share whose first copy did arrive (its acknowledgement was lost), or one older than the node keeps.
            _state.Drop("duplicate_share");
            return null;
        }

        _state.Heard(sender);
        _heardThisRound.Add(sender);
        if (_down.Heard(sender))
        {
            LogSourceBack(sender, share.Round);
        }

        if (share.Round > round)
        {
            _pending.Add((sender, share.Round), share);
            return share;
        }

        if (share.Round < round)
        {
            LogLateShare(sender, share.Round, round);
        }

        return Fold(graph, sender, share) ? share : null;
    }

    /// <summary>Hands a share of this round or an earlier one to the node; a refused one is dropped, counted and said.</summary>
    private bool Fold(TrustGraph graph, string sender, CompressedModelShare share)
    {
        var message = new CompressedGossipMessage(graph.IndexOf(sender), _node.Index, share.Round, share.Codec, share.Share, share.Weight, share.Payload);
        if (_node.TryReceive(message, out var refusal))
        {
            return true;
        }

        _state.Drop("refused_share");
        LogRefused(sender, share.Round, refusal ?? "refused");
        return false;
    }

    /// <summary>An encoded share not yet delivered: its round, push-sum weight (returned if it is given up) and bytes.</summary>
    private readonly record struct Unsent(long Round, double Weight, byte[] Bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "round {Round} done: training loss {Loss:F4}{Accuracy}; compressed shares from {Arrived} of {Expected} trusted peers")]
    private partial void LogRound(long round, double loss, string accuracy, int arrived, int expected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "round {Round}: no compressed share from {Count} trusted peer(s) before the deadline: {Peers}; mixing their last estimates, their shares are folded when they come")]
    private partial void LogMissing(long round, int count, string peers);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Peer}: its share of round {ShareRound} came late; folded in round {Round}")]
    private partial void LogLateShare(string peer, long shareRound, long round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Peer}: share of round {Round} refused: {Reason}")]
    private partial void LogRefused(string peer, long round, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Peer}: resent {Count} undelivered share(s) from round {Round} on")]
    private partial void LogResent(string peer, int count, long round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Peer}: no share for {Rounds} rounds in a row; presumed down, not waited for until a share from it arrives")]
    private partial void LogSourcePresumedDown(string peer, int rounds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Peer} is back (a share of round {Round} arrived); waiting for its shares again")]
    private partial void LogSourceBack(string peer, long round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Peer}: {Count} compressed shares in a row (from round {Round} on) could not be delivered; given up: its estimate of this node can no longer be repaired, so it must restart afresh (with every peer) to mix with this node again")]
    private partial void LogFollowerLost(string peer, int count, long round);
}
