using System.Diagnostics;
using System.Threading.Channels;
using GossipFl.Daemon.Coordination;
using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Simulation;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Node;

/// <summary>
/// Runs FedAvg on a coordinator the peers elect (docs/algorithms.md): every peer takes part in the election
/// (<see cref="CoordinatorElection"/>), trains when the coordinator samples it, and keeps the newest global model
/// the coordinator publishes; the elected peer also runs the rounds with the simulator's
/// <see cref="FedAvgCoordinator"/>, continuing from the newest global model it holds.
/// </summary>
/// <remarks>
/// Three loops share the state under one lock: the message loop (never blocked by training, so heartbeats and
/// votes flow while a model trains), the timer loop (election timeouts and heartbeats), and the model worker,
/// which alone touches the model: it trains for assignments and adopts published global models, in arrival order.
/// The coordinator's round loop is a fourth task that lives as long as its term.
/// </remarks>
internal sealed partial class FedAvgDriver
{
    private static readonly TimeSpan TimerPeriod = TimeSpan.FromMilliseconds(50);

    private readonly RoundGarbage _garbage = new();
    private readonly string _name;
    private readonly int _index;
    private readonly IReadOnlyList<string> _members;
    private readonly ILocalLearner _learner;
    private readonly FedAvgClient _client;
    private readonly IShareExchange _exchange;
    private readonly FedAvgOptions _options;
    private readonly NodeState _state;
    private readonly CheckpointStore? _checkpoints;
    private readonly MetricsWriter? _metrics;
    private readonly ILogger _logger;
    private readonly CoordinatorElection _election;
    private readonly Lock _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Channel<WorkItem> _work = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<long, double> _trainLoss = [];
    private readonly int _parameterCount;
    private readonly FedAvgUpdateCompressor? _compressor;
    private ActiveRound? _active;
    private Task? _leading;
    private long _leadingTerm = -1;
    private CancellationTokenSource? _termStop;
    private long _lastReportedTerm = -1;
    private string? _lastReportedCoordinator;
    private TimeSpan _lastCoordinatorSeen;

    public FedAvgDriver(
        string name, IReadOnlyList<string> members, ILocalLearner learner, ReadOnlySpan<float> initialGlobal, long lastRound, IShareExchange exchange,
        FedAvgOptions options, ElectionStore electionStore, NodeState state, CheckpointStore? checkpoints, MetricsWriter? metrics, ILogger logger, ulong timerSeed)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(electionStore);
        _name = name;
        _members = members;
        _index = IndexOf(name);
        _learner = learner;
        _client = new FedAvgClient(_index, initialGlobal);
        if (lastRound >= 0)
        {
            _client.Adopt(lastRound, initialGlobal);
        }

        _parameterCount = initialGlobal.Length;
        // The error feedback lives as long as the process: a client keeps what compression left out across the
        // rounds it is not sampled in and across coordinator terms; a restarted client starts it from zero.
        _compressor = options.Compression is { } codec ? new FedAvgUpdateCompressor(_index, codec, options.Seed) : null;
        _exchange = exchange;
        _options = options;
        _state = state;
        _checkpoints = checkpoints;
        _metrics = metrics;
        _logger = logger;
        state.SilentAfter = options.Election.ElectionTimeoutMax;
        _election = new CoordinatorElection(options.Election, electionStore.Load(), electionStore.Save, timerSeed, _clock.Elapsed)
        {
            LastRound = lastRound,
        };
    }

    public async Task RunAsync(CancellationToken cancellation)
    {
        if (_client.LastGlobalRound >= _options.Rounds - 1)
        {
            LogAlreadyFinished(_client.LastGlobalRound);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var loops = new[]
        {
            Task.Run(() => ReceiveLoopAsync(stop.Token), CancellationToken.None),
            Task.Run(() => TimerLoopAsync(stop.Token), CancellationToken.None),
            Task.Run(() => WorkLoopAsync(stop.Token), CancellationToken.None),
        };
        try
        {
            var first = await Task.WhenAny([_finished.Task, .. loops]).ConfigureAwait(false);
            await first.ConfigureAwait(false);
            cancellation.ThrowIfCancellationRequested();
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(loops.Select(l => l.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            if (_leading is { } leading)
            {
                await leading.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }

        _state.Phase("finished");
    }

    private TimeSpan Now => _clock.Elapsed;

    private int IndexOf(string member)
    {
        for (var i = 0; i < _members.Count; i++)
        {
            if (_members[i] == member)
            {
                return i;
            }
        }

        throw new ArgumentException($"{member} is not a member", nameof(member));
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            IncomingPayload incoming;
            try
            {
                incoming = await _exchange.ReceiveAsync(cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return;
            }

            using (incoming)
            {
                Dispatch(incoming, cancellation);
            }
        }
    }

    private void Dispatch(IncomingPayload incoming, CancellationToken cancellation)
    {
        _state.AddReceived(incoming.Payload.Length);
        var payload = incoming.Payload.Span;
        if (!_members.Contains(incoming.Sender))
        {
            _state.Drop("unknown_peer");
            return;
        }

        if (payload.Length > 0 && ElectionMessage.IsElectionKind(payload[0]))
        {
            if (!ElectionMessage.TryRead(payload, out var message, out var reason))
            {
                Refuse(incoming.Sender, reason);
                return;
            }

            _state.Heard(incoming.Sender);
            var outbox = new List<(string To, ElectionMessage Message)>();
            lock (_gate)
            {
                _election.Receive(incoming.Sender, message, Now, outbox);
                AfterElectionStep(cancellation);
            }

            SendAll(outbox, cancellation);
            return;
        }

        if (CompressedFedAvgUpdate.IsCompressed(payload))
        {
            if (_options.Compression is not { } codec)
            {
                Refuse(incoming.Sender, "a compressed update; this node runs FedAvg without --compress");
                return;
            }

            // The payload is read where it lies: the update is rebuilt before the incoming buffer is released.
            if (!CompressedFedAvgUpdate.TryRead(incoming.Payload, codec, out var update, out var invalid))
            {
                Refuse(incoming.Sender, invalid);
                return;
            }

            _state.Heard(incoming.Sender);
            OnCompressedUpdate(incoming.Sender, update, codec);
            return;
        }

        if (_options.Compression is { } expected && payload.Length > 1 && payload[0] == (byte)FedAvgMessageKind.Update)
        {
            Refuse(incoming.Sender, $"an uncompressed update; this node runs --compress {expected.Spec}");
            return;
        }

        if (payload.Length > 0 && FedAvgMessage.IsFedAvgKind(payload[0]))
        {
            if (!FedAvgMessage.TryRead(payload, _parameterCount, out var message, out var reason))
            {
                Refuse(incoming.Sender, reason);
                return;
            }

            _state.Heard(incoming.Sender);
            OnFedAvgMessage(incoming.Sender, message, cancellation);
            return;
        }

        if (payload.Length > 0 && _options.SecureAggregation && SecureAggregationMessage.IsSecureAggregationKind(payload[0]))
        {
            if (!SecureAggregationMessage.TryRead(payload, _parameterCount + 1, out var message, out var reason))
            {
                Refuse(incoming.Sender, reason);
                return;
            }

            _state.Heard(incoming.Sender);
            OnSecureAggregationMessage(incoming.Sender, message, cancellation);
            return;
        }

        Refuse(incoming.Sender, payload.Length == 0 ? "empty message" : $"kind {payload[0]} is not a FedAvg or election message");
    }

    private void Refuse(string sender, string reason)
    {
        _state.Drop("malformed_message");
        LogRefused(sender, reason);
    }

    private void OnFedAvgMessage(string sender, FedAvgMessage message, CancellationToken cancellation)
    {
        switch (message.Kind)
        {
            case FedAvgMessageKind.Assignment:
            case FedAvgMessageKind.GlobalModel:
                bool fromCoordinator;
                lock (_gate)
                {
                    fromCoordinator = _election.ObserveCoordinator(sender, message.Term, Now);
                    AfterElectionStep(cancellation);
                }

                if (!fromCoordinator)
                {
                    _state.Drop("stale_coordinator");
                    return;
                }

                _work.Writer.TryWrite(message.Kind == FedAvgMessageKind.Assignment
                    ? new WorkItem.Train(sender, message.Term, message.Round, message.Values)
                    : new WorkItem.Adopt(sender, message.Term, message.Round, message.Values, null));
                break;

            case FedAvgMessageKind.Update:
                lock (_gate)
                {
                    if (_active is not { } active || active.Term != message.Term || active.Round != message.Round || _election.Term != message.Term)
                    {
                        _state.Drop("late_update");
                        return;
                    }

                    active.Accept(IndexOf(sender), message.Samples, message.Values);
                }

                break;
        }
    }

    /// <summary>
    /// The coordinator's side of a compressed update: x_k = g + decode(·), rebuilt from the global model of the round
    /// the client was assigned (the one this coordinator broadcast), then folded like a whole model.
    /// </summary>
    private void OnCompressedUpdate(string sender, CompressedFedAvgUpdate update, Learning.Compression.ICodec codec)
    {
        lock (_gate)
        {
            if (_active is not { } active || active.Term != update.Term || active.Round != update.Round || _election.Term != update.Term)
            {
                _state.Drop("late_update");
                return;
            }

            var model = new float[_parameterCount];
            if (!FedAvgUpdateCompressor.TryReconstruct(codec, update.Payload.Span, active.Global, model, out var reason))
            {
                Refuse(sender, reason ?? "the update does not decode");
                return;
            }

            active.Accept(IndexOf(sender), update.Samples, model);
        }
    }

    private async Task TimerLoopAsync(CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimerPeriod);
        var outbox = new List<(string To, ElectionMessage Message)>();
        while (await timer.WaitForNextTickAsync(cancellation).ConfigureAwait(false))
        {
            outbox.Clear();
            lock (_gate)
            {
                _election.Tick(Now, outbox);
                AfterElectionStep(cancellation);
                if (_election.Coordinator is not null)
                {
                    _lastCoordinatorSeen = Now;
                }
                else if (Now - _lastCoordinatorSeen > _options.LeaderlessTimeout)
                {
                    // Status calls a peer "up" when heard within the longest election timeout (SilentAfter, set above).
                    var heard = _state.Snapshot().Peers.Count(p => p.State == "up");
                    throw new CoordinatorUnavailableException(
                        $"no coordinator for {_options.LeaderlessTimeout.TotalSeconds:0} s (term {_election.Term}): electing one needs {_options.Election.Quorum} of {_members.Count} nodes, and this node heard from {heard} other(s) in the last {_options.Election.ElectionTimeoutMax.TotalSeconds:0.#} s");
                }
            }

            SendAll(outbox, cancellation);
        }
    }

    /// <summary>
    /// Reports role changes, starts the coordinator's round loop when this peer wins a term, and stops it at once
    /// when the term is lost (rather than at the end of a round deadline). Called under the gate.
    /// </summary>
    private void AfterElectionStep(CancellationToken cancellation)
    {
        var (term, coordinator, role) = (_election.Term, _election.Coordinator, _election.Role);
        if (_termStop is not null && (role != ElectionRole.Coordinator || term != _leadingTerm))
        {
            _termStop.Cancel();
            _termStop = null;
        }

        if (term == _lastReportedTerm && coordinator == _lastReportedCoordinator)
        {
            return;
        }

        _state.Coordination(term, coordinator);
        if (role == ElectionRole.Coordinator)
        {
            var holding = Holding(_election.LastRound);
            LogElected(term, holding);
        }
        else if (coordinator is not null)
        {
            LogFollowing(term, coordinator);
        }
        else if (role == ElectionRole.Candidate)
        {
            var holding = Holding(_election.LastRound);
            LogCandidate(term, holding);
        }
        else if (_lastReportedCoordinator == _name && term == _lastReportedTerm)
        {
            LogSteppedDown(term, _options.Election.Quorum);
        }
        else if (_lastReportedCoordinator is { } silent && term == _lastReportedTerm)
        {
            LogCoordinatorSilent(term, silent, _options.Election.Quorum);
        }
        else
        {
            LogNoCoordinator(term);
        }

        (_lastReportedTerm, _lastReportedCoordinator) = (term, coordinator);
        if (role == ElectionRole.Coordinator && _leadingTerm != term)
        {
            _leadingTerm = term;
            var previous = _leading;
            var termStop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            _termStop = termStop;
            _leading = Task.Run(() => LeadAsync(term, previous, termStop), CancellationToken.None);
        }
    }

    private bool StillCoordinatorOf(long term)
    {
        lock (_gate)
        {
            return _election.Role == ElectionRole.Coordinator && _election.Term == term;
        }
    }

    /// <summary>The coordinator's rounds for one term: sample, assign, collect, average, publish, until the last round or the term ends.</summary>
    private async Task LeadAsync(long term, Task? previousTerm, CancellationTokenSource termStop)
    {
        var cancellation = termStop.Token;
        try
        {
            if (previousTerm is not null)
            {
                await previousTerm.ConfigureAwait(false);
            }

            // The newest global model this peer holds is where the term starts (the election made sure no quorum holds a newer one).
            var start = await SnapshotAsync(cancellation).ConfigureAwait(false);
            var coordinator = new FedAvgCoordinator(_index, start.Global, start.Round, _options.Aggregation);
            var round = start.Round + 1;
            if (round == 0)
            {
                await WaitForMembersAsync(term, cancellation).ConfigureAwait(false);
            }

            var global = start.Global;
            while (round < _options.Rounds && StillCoordinatorOf(term))
            {
                if (_options.SecureAggregation)
                {
                    // A round that fails (fewer than t clients at some step) is redone with a new sample and fresh keys,
                    // after the liveness window, so that peers that died in it are no longer sampled.
                    if (await RunSecureRoundAsync(term, round, global, cancellation).ConfigureAwait(false) is not { } averaged)
                    {
                        await Task.Delay(_options.Election.ElectionTimeoutMax, cancellation).ConfigureAwait(false);
                        continue;
                    }

                    global = averaged;
                }
                else
                {
                    await RunRoundAsync(term, round, coordinator, cancellation).ConfigureAwait(false);
                }

                round++;
            }

            if (round >= _options.Rounds)
            {
                if (start.Round == _options.Rounds - 1 && StillCoordinatorOf(term))
                {
                    // Elected after the last round was averaged: make sure every live peer has the final model.
                    await PublishAsync(term, start.Round, start.Global, untilAll: true, cancellation).ConfigureAwait(false);
                }

                _finished.TrySetResult();
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The term ended (or the daemon is stopping): the next coordinator carries on.
        }
        catch (Exception ex)
        {
            _finished.TrySetException(ex);
        }
        finally
        {
            lock (_gate)
            {
                if (_termStop == termStop)
                {
                    _termStop = null;
                }
            }

            termStop.Dispose();
        }
    }

    private async Task WaitForMembersAsync(long term, CancellationToken cancellation)
    {
        while (StillCoordinatorOf(term) && Now < _options.PeerWait)
        {
            lock (_gate)
            {
                if (_election.LivePeers(Now, _options.Election.ElectionTimeoutMax).Count == _members.Count - 1)
                {
                    return;
                }
            }

            await Task.Delay(TimerPeriod, cancellation).ConfigureAwait(false);
        }
    }

    private async Task RunRoundAsync(long term, long round, FedAvgCoordinator coordinator, CancellationToken cancellation)
    {
        int[] live;
        lock (_gate)
        {
            live = [_index, .. _election.LivePeers(Now, _options.Election.ElectionTimeoutMax).Select(IndexOf)];
        }

        var started = _clock.Elapsed;
        var chosen = FedAvgCoordinator.SelectClients(round, live, _options.ClientFraction, _options.Seed);
        var assignments = new List<GossipMessage>();
        coordinator.Broadcast(round, chosen, assignments);
        var active = new ActiveRound(term, round, coordinator, chosen);
        lock (_gate)
        {
            _active = active;
        }

        var sampled = string.Join(", ", chosen.Select(i => _members[i]));
        LogSampled(round, term, chosen.Length, live.Length, sampled);
        var global = coordinator.Global.ToArray();
        var assignment = new FedAvgMessage(FedAvgMessageKind.Assignment, term, round, 0, global).ToArray();
        foreach (var client in chosen)
        {
            if (client == _index)
            {
                _work.Writer.TryWrite(new WorkItem.Train(_name, term, round, global));
            }
            else
            {
                _ = SendAsync(_members[client], assignment, _options.RoundDeadline, cancellation);
            }
        }

        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
        {
            deadline.CancelAfter(_options.RoundDeadline);
            try
            {
                // Until every update is in, the deadline passes, or every client still awaited has stopped answering
                // heartbeats (it left: waiting out the deadline for it would stall the round for nothing).
                while (!active.AllArrived.IsCompleted && !AllGone(active))
                {
                    await Task.WhenAny(active.AllArrived, Task.Delay(TimerPeriod * 5, deadline.Token)).ConfigureAwait(false);
                    deadline.Token.ThrowIfCancellationRequested();
                }
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                // The deadline: late updates are dropped for this round.
            }
            catch (OperationCanceledException)
            {
                // The term is over: this round is abandoned; its successor redoes it from the last published model.
                lock (_gate)
                {
                    _active = null;
                }

                throw;
            }
        }

        int folded;
        string missing;
        lock (_gate)
        {
            _active = null;
            missing = string.Join(", ", active.Missing.Select(i => _members[i]));
            folded = coordinator.Complete();
        }

        _state.Judged(coordinator.LastVerdicts.Select(v => (_members[v.Peer], v.Outcome)));

        if (!StillCoordinatorOf(term))
        {
            return;
        }

        LogAveraged(round, term, folded, chosen.Length, missing.Length > 0 ? $"; no update from {missing}" : string.Empty, (_clock.Elapsed - started).TotalMilliseconds);
        await PublishRoundAsync(term, round, coordinator.Global.ToArray(), cancellation).ConfigureAwait(false);
    }

    /// <summary>Publishes a round's global model until a quorum holds it (or the term ends).</summary>
    private async Task PublishRoundAsync(long term, long round, float[] averaged, CancellationToken cancellation)
    {
        while (!await PublishAsync(term, round, averaged, untilAll: round == _options.Rounds - 1, cancellation).ConfigureAwait(false)
               && StillCoordinatorOf(term))
        {
            // The next round must not start before a quorum holds this one (docs/algorithms.md, "No step back"); a
            // coordinator that cannot reach a quorum is deposed within 2T instead.
            LogPublishShort(round, term, _options.Election.Quorum);
            await Task.Delay(_options.Election.HeartbeatInterval, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>True when every client the round still waits for is another peer that no longer answers heartbeats.</summary>
    private bool AllGone(ActiveRound active)
    {
        lock (_gate)
        {
            var live = _election.LivePeers(Now, _options.Election.ElectionTimeoutMax);
            return active.Missing.All(client => client != _index && !live.Contains(_members[client]));
        }
    }

    /// <summary>
    /// Sends the global model of <paramref name="round"/> to every live peer and adopts it here. Waits until a quorum
    /// holds it (so a successor elected by any quorum continues from it), or every live peer for the last round.
    /// Returns whether a quorum (this peer included) acknowledged it.
    /// </summary>
    private async Task<bool> PublishAsync(long term, long round, float[] global, bool untilAll, CancellationToken cancellation)
    {
        string[] live;
        lock (_gate)
        {
            live = _election.LivePeers(Now, _options.Election.ElectionTimeoutMax).ToArray();
        }

        var bytes = new FedAvgMessage(FedAvgMessageKind.GlobalModel, term, round, 0, global).ToArray();
        var sends = live.Select(peer => SendAsync(peer, bytes, _options.RoundDeadline, cancellation)).ToList();
        var adopted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Writer.TryWrite(new WorkItem.Adopt(_name, term, round, global, adopted));
        await adopted.Task.WaitAsync(cancellation).ConfigureAwait(false);

        var quorum = _options.Election.Quorum - 1;
        var needed = untilAll ? sends.Count : quorum;
        var acknowledged = 0;
        while (acknowledged < needed && sends.Count > 0)
        {
            var done = await Task.WhenAny(sends).ConfigureAwait(false);
            sends.Remove(done);
            if (await done.ConfigureAwait(false))
            {
                acknowledged++;
            }
        }

        return acknowledged >= quorum;
    }

    private async Task WorkLoopAsync(CancellationToken cancellation)
    {
        await foreach (var item in _work.Reader.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            switch (item)
            {
                case WorkItem.Train train:
                    Train(train, cancellation);
                    break;
                case WorkItem.Adopt adopt:
                    Adopt(adopt);
                    adopt.Done?.TrySetResult();
                    break;
                case WorkItem.Snapshot snapshot:
                    snapshot.Result.TrySetResult((_client.LastGlobalRound, _client.LastGlobal.ToArray()));
                    break;
            }
        }
    }

    private Task<(long Round, float[] Global)> SnapshotAsync(CancellationToken cancellation)
    {
        var result = new TaskCompletionSource<(long Round, float[] Global)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Writer.TryWrite(new WorkItem.Snapshot(result));
        return result.Task.WaitAsync(cancellation);
    }

    private void Train(WorkItem.Train item, CancellationToken cancellation)
    {
        _state.Phase("training");
        var coordinatorIndex = IndexOf(item.Coordinator);
        var reply = _client.TrainAndReply(new GossipMessage(coordinatorIndex, _index, item.Round, 1.0, 0.0, item.Global), _learner, out var loss);
        _trainLoss[item.Round] = loss;
        _state.Phase("waiting for the coordinator");
        if (_options.SecureAggregation)
        {
            ContributeSecurely(item, _options.Attack?.Apply(item.Round, reply.Values) ?? reply.Values, (long)reply.Share);
            return;
        }

        if (_compressor is not null)
        {
            SendCompressed(item, reply, cancellation);
            return;
        }

        if (item.Coordinator == _name)
        {
            lock (_gate)
            {
                if (_active is { } active && active.Term == item.Term && active.Round == item.Round)
                {
                    active.Accept(_index, reply.Share, reply.Values);
                }
            }

            return;
        }

        var values = _options.Attack?.Apply(item.Round, reply.Values) ?? reply.Values;
        var update = new FedAvgMessage(FedAvgMessageKind.Update, item.Term, item.Round, (long)reply.Share, values).ToArray();
        _ = SendAsync(item.Coordinator, update, _options.RoundDeadline, cancellation);
    }

    /// <summary>
    /// Encodes this round's change against the assigned global model (error feedback included) and sends it; the
    /// coordinator's own update goes through the same encoding and is rebuilt here, as the simulator does for every
    /// client, so a compressed daemon run ends bit-identical to <c>gossipfl simulate</c> with the same codec.
    /// </summary>
    private void SendCompressed(WorkItem.Train item, GossipMessage reply, CancellationToken cancellation)
    {
        var values = item.Coordinator == _name ? reply.Values : _options.Attack?.Apply(item.Round, reply.Values) ?? reply.Values;
        var payload = _compressor!.Encode(item.Round, values.Span, item.Global.Span);
        if (item.Coordinator != _name)
        {
            var update = new CompressedFedAvgUpdate(item.Term, item.Round, (long)reply.Share, _options.Compression!.Spec.Kind, payload).ToArray();
            _ = SendAsync(item.Coordinator, update, _options.RoundDeadline, cancellation);
            return;
        }

        lock (_gate)
        {
            if (_active is { } active && active.Term == item.Term && active.Round == item.Round)
            {
                var model = new float[_parameterCount];
                if (FedAvgUpdateCompressor.TryReconstruct(_options.Compression!, payload.Span, active.Global, model, out var reason))
                {
                    active.Accept(_index, reply.Share, model);
                }
                else
                {
                    throw new InvalidOperationException($"this node's own compressed update does not decode: {reason}");
                }
            }
        }
    }

    private void Adopt(WorkItem.Adopt item)
    {
        if (!_client.Adopt(item.Round, item.Global.Span))
        {
            return;
        }

        lock (_gate)
        {
            _election.LastRound = item.Round;
        }

        var round = item.Round;
        var evaluated = Evaluated.None;
        if (_options.EvaluateEvery > 0 && ((round + 1) % _options.EvaluateEvery == 0 || round == _options.Rounds - 1))
        {
            evaluated = Evaluated.Of(_learner, _client.LastGlobal);
        }

        double? trainLoss = _trainLoss.Remove(round, out var l) ? l : null;
        foreach (var old in _trainLoss.Keys.Where(r => r < round).ToArray())
        {
            _trainLoss.Remove(old);
        }

        var status = _state.Snapshot();
        if (_learner is Learning.Privacy.PrivateLearner { Exhausted: true } && trainLoss is { } t && double.IsNaN(t))
        {
            trainLoss = null; // declined the round: its privacy budget is spent
        }

        _metrics?.WriteNode(new NodeMetrics(round, _name, trainLoss, evaluated.TestLoss, evaluated.TestAccuracy, 1.0, status.BytesSent, status.BytesReceived,
            item.Coordinator, item.Term, evaluated.ValidationLoss, evaluated.ValidationAccuracy,
            status.Delta is null ? null : status.Epsilon ?? double.PositiveInfinity, status.Delta));
        _checkpoints?.Save(round, 1.0, _client.LastGlobal);
        _state.RoundDone(round, trainLoss, 1.0, evaluated, _client.LastGlobal.ToArray());
        _garbage.AfterRound();
        var measured = evaluated.Describe() + (evaluated.TestAccuracy is not null || evaluated.ValidationAccuracy is not null ? RoundServices.PrivacyText(status) : "");
        LogRound(round, item.Coordinator, item.Term, measured);
        if (round == _options.Rounds - 1 && item.Coordinator != _name)
        {
            _finished.TrySetResult();
        }
    }

    private void SendAll(List<(string To, ElectionMessage Message)> outbox, CancellationToken cancellation)
    {
        foreach (var (to, message) in outbox)
        {
            _ = SendAsync(to, message.ToArray(), _options.Election.ElectionTimeoutMin, cancellation);
        }
    }

    /// <summary>Sends one message; true once acknowledged, false (counted) when it could not be delivered in time.</summary>
    private async Task<bool> SendAsync(string peer, byte[] bytes, TimeSpan deadline, CancellationToken cancellation)
    {
        try
        {
            await _exchange.SendAsync(peer, bytes, deadline, cancellation).ConfigureAwait(false);
            _state.AddSent(bytes.Length);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            _state.Drop("send_failed");
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>"the global model of round 4", or, before the first round, "no global model yet" (not "round -1").</summary>
    private static string Holding(long round) => round < 0
        ? "no global model yet"
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the global model of round {round}");

    [LoggerMessage(Level = LogLevel.Information, Message = "term {Term}: standing for election as coordinator (holding {Holding})")]
    private partial void LogCandidate(long term, string holding);

    [LoggerMessage(Level = LogLevel.Information, Message = "term {Term}: elected coordinator; starting from {Holding}")]
    private partial void LogElected(long term, string holding);

    [LoggerMessage(Level = LogLevel.Information, Message = "term {Term}: coordinator is {Coordinator}")]
    private partial void LogFollowing(long term, string coordinator);

    [LoggerMessage(Level = LogLevel.Warning, Message = "term {Term}: stepping down as coordinator: fewer than {Quorum} nodes (a quorum) answer")]
    private partial void LogSteppedDown(long term, int quorum);

    [LoggerMessage(Level = LogLevel.Warning, Message = "term {Term}: coordinator {Coordinator} went silent; a new one needs {Quorum} nodes (a quorum) to agree")]
    private partial void LogCoordinatorSilent(long term, string coordinator, int quorum);

    [LoggerMessage(Level = LogLevel.Information, Message = "term {Term}: no coordinator yet")]
    private partial void LogNoCoordinator(long term);

    [LoggerMessage(Level = LogLevel.Information, Message = "round {Round} (term {Term}): sampled {Count} of {Live} live peers: {Clients}")]
    private partial void LogSampled(long round, long term, int count, int live, string clients);

    [LoggerMessage(Level = LogLevel.Information, Message = "round {Round} (term {Term}): averaged updates from {Folded} of {Sampled} clients{Missing} in {Milliseconds:0} ms")]
    private partial void LogAveraged(long round, long term, int folded, int sampled, string missing, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "round {Round} done: global model from coordinator {Coordinator} (term {Term}){Accuracy}")]
    private partial void LogRound(long round, string coordinator, long term, string accuracy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "round {Round} (term {Term}): fewer than {Quorum} nodes (a quorum) acknowledged the global model; publishing it again")]
    private partial void LogPublishShort(long round, long term, int quorum);

    [LoggerMessage(Level = LogLevel.Information, Message = "already holds the global model of the last round ({Round}); nothing to do")]
    private partial void LogAlreadyFinished(long round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropped a message from {Peer}: {Reason}")]
    private partial void LogRefused(string peer, string reason);

    /// <summary>The round a coordinator is collecting updates for.</summary>
    private sealed class ActiveRound(long term, long round, FedAvgCoordinator coordinator, int[] chosen)
    {
        private readonly HashSet<int> _waiting = [.. chosen];
        private readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Term { get; } = term;

        public long Round { get; } = round;

        public Task AllArrived => _allArrived.Task;

        /// <summary>The global model this round's clients were assigned (compressed updates are changes against it).</summary>
        public ReadOnlySpan<float> Global => coordinator.Global;

        public IEnumerable<int> Missing => _waiting.Order();

        /// <summary>Folds a sampled client's update once; anything from an unsampled or repeating client is ignored.</summary>
        public void Accept(int client, double samples, ReadOnlyMemory<float> values)
        {
            if (!_waiting.Remove(client))
            {
                return;
            }

            coordinator.Receive(new GossipMessage(client, coordinator.Index, Round, samples, 0.0, values));
            if (_waiting.Count == 0)
            {
                _allArrived.TrySetResult();
            }
        }
    }

    /// <summary>What the model worker does next; it alone touches the model, in this order.</summary>
    private abstract record WorkItem
    {
        public sealed record Train(string Coordinator, long Term, long Round, ReadOnlyMemory<float> Global) : WorkItem;

        public sealed record Adopt(string Coordinator, long Term, long Round, ReadOnlyMemory<float> Global, TaskCompletionSource? Done) : WorkItem;

        public sealed record Snapshot(TaskCompletionSource<(long Round, float[] Global)> Result) : WorkItem;
    }
}
