using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.SecureAggregation;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Node;

/// <summary>
/// FedAvg rounds with secure aggregation (<c>--secure-aggregation</c>, docs/secure-aggregation.md): the coordinator runs
/// the server of Bonawitz et al.'s protocol and learns only Σ n_k·(x_k − global) and Σ n_k; every sampled client (the
/// coordinator too, when sampled) runs the client, signing its keys and the survivor list with the node's identity key
/// and checking the others' signatures against the fingerprints the topology pins. Key exchange overlaps local training: the key request goes out
/// with the assignment, and a client masks its update once both its training and the relayed shares are done.
/// </summary>
internal sealed partial class FedAvgDriver
{
    /// <summary>Fewer sampled clients than this and a round is not run: with 2, each could subtract its own update from the sum.</summary>
    internal const int MinimumSecureClients = 3;

    private SecureServerRound? _secureServer;
    private SecureClientRound? _secureClient;
    private (long Term, long Round, ulong[] Input)? _pendingSecureInput;

    /// <summary>The coordinator's last try: a redo of the same round is the next attempt, with its own context.</summary>
    private (long Term, long Round, int Attempt)? _lastSecureAttempt;

    /// <summary>The client's last key request answered: a coordinator cannot make it sign keys for an attempt twice.</summary>
    private (string Coordinator, long Term, long Round, int Attempt)? _lastKeyRequest;

    /// <summary>Test-only (<see cref="Coordination.FedAvgOptions.CrashAfterMaskedInput"/>): set once the crash is decided; nothing more is answered.</summary>
    private volatile bool _crashing;

    /// <summary>
    /// What every key and signature of a round is bound to: the task signature, term, round, attempt, threshold, sample
    /// size and coordinator. A signature made for one of them does not verify for any other.
    /// </summary>
    internal static byte[] SecureContext(ReadOnlySpan<byte> taskSignature, long term, long round, int attempt, int threshold, int sampled, string coordinator)
    {
        var name = Encoding.UTF8.GetBytes(coordinator);
        var text = new byte[32 + 22 + name.Length];
        SHA256.HashData(taskSignature, text);
        BinaryPrimitives.WriteInt64BigEndian(text.AsSpan(32), term);
        BinaryPrimitives.WriteInt64BigEndian(text.AsSpan(40), round);
        BinaryPrimitives.WriteUInt16BigEndian(text.AsSpan(48), (ushort)attempt);
        BinaryPrimitives.WriteUInt16BigEndian(text.AsSpan(50), (ushort)threshold);
        BinaryPrimitives.WriteUInt16BigEndian(text.AsSpan(52), (ushort)sampled);
        name.CopyTo(text, 54);
        return SHA256.HashData([.. "gossipfl/secagg/2 context "u8, .. text]);
    }

    /// <summary>
    /// One secure round as the coordinator: sample, request keys and assign, then the four protocol rounds, each closed
    /// when every awaited client answered, left (stopped answering heartbeats) or the round deadline passed. Returns the
    /// new global model, or null when the round failed (fewer than t clients at some step): nothing was unmasked then.
    /// </summary>
    private async Task<float[]?> RunSecureRoundAsync(long term, long round, float[] global, CancellationToken cancellation)
    {
        var started = _clock.Elapsed;
        int[] live;
        lock (_gate)
        {
            live = [_index, .. _election.LivePeers(Now, _options.Election.ElectionTimeoutMax).Select(IndexOf)];
        }

        var chosen = FedAvgCoordinator.SelectClients(round, live, _options.ClientFraction, _options.Seed);
        if (chosen.Length < MinimumSecureClients)
        {
            LogSecureRoundFailed(round, term, $"{chosen.Length} of {live.Length} live peers sampled; secure aggregation needs at least {MinimumSecureClients}");
            return null;
        }

        var attempt = _lastSecureAttempt is { } last && last.Term == term && last.Round == round ? last.Attempt + 1 : 0;
        if (attempt > ushort.MaxValue)
        {
            return Failed(round, term, $"{attempt} attempts of one round; the attempt counter is 16 bits");
        }

        _lastSecureAttempt = (term, round, attempt);
        var threshold = SecureAggregationRound.DefaultThreshold(chosen.Length);
        var protocol = new SecureAggregationRound(
            SecureContext(_options.TaskSignature, term, round, attempt, threshold, chosen.Length, _name), threshold, _parameterCount + 1, _options.PinnedFingerprints);
        var secure = new SecureServerRound(term, round, attempt, threshold, chosen.Length, new SecureAggregationServer(protocol, chosen));
        lock (_gate)
        {
            _secureServer = secure;
        }

        try
        {
            var sampled = string.Join(", ", chosen.Select(i => _members[i]));
            LogSampled(round, term, chosen.Length, live.Length, sampled);
            var assignment = new FedAvgMessage(FedAvgMessageKind.Assignment, term, round, 0, global).ToArray();
            var keyRequest = secure.Message(SecureAggregationMessageKind.KeyRequest, null);
            foreach (var client in chosen)
            {
                SendSecure(_members[client], keyRequest, cancellation);
                if (client == _index)
                {
                    _work.Writer.TryWrite(new WorkItem.Train(_name, term, round, global));
                }
                else
                {
                    _ = SendAsync(_members[client], assignment, _options.RoundDeadline, cancellation);
                }
            }

            // Round 0: advertised keys -> the directory for U1.
            await CollectAsync(secure, cancellation).ConfigureAwait(false);
            KeyDirectory directory;
            string reason;
            bool closed;
            lock (_gate)
            {
                closed = secure.Server.TryCloseKeys(out directory, out reason);
            }

            if (!closed)
            {
                return Failed(round, term, reason);
            }

            var directoryMessage = secure.Message(SecureAggregationMessageKind.KeyDirectory, directory);
            foreach (var (client, _) in directory.Entries)
            {
                SendSecure(_members[client], directoryMessage, cancellation);
            }

            // Round 1: encrypted shares -> relayed to each client of U2.
            await CollectAsync(secure, cancellation).ConfigureAwait(false);
            IReadOnlyDictionary<int, ShareCiphertexts> relay;
            lock (_gate)
            {
                closed = secure.Server.TryCloseShares(out relay, out reason);
            }

            if (!closed)
            {
                return Failed(round, term, reason);
            }

            foreach (var (client, shares) in relay)
            {
                SendSecure(_members[client], secure.Message(SecureAggregationMessageKind.RelayedShares, shares), cancellation);
            }

            // Round 2: masked inputs -> the survivor list U3.
            await CollectAsync(secure, cancellation).ConfigureAwait(false);
            SurvivorList survivors;
            lock (_gate)
            {
                closed = secure.Server.TryCloseInputs(out survivors, out reason);
            }

            if (!closed)
            {
                return Failed(round, term, reason);
            }

            var survivorMessage = secure.Message(SecureAggregationMessageKind.Survivors, survivors);
            foreach (var client in survivors.Clients)
            {
                SendSecure(_members[client], survivorMessage, cancellation);
            }

            // Round 4 (ConsistencyCheck): signatures over U3 -> forwarded to the signers, each of whom checks t of them.
            await CollectAsync(secure, cancellation).ConfigureAwait(false);
            ConsistencyProof proof;
            lock (_gate)
            {
                closed = secure.Server.TryCloseConsistency(out proof, out reason);
            }

            if (!closed)
            {
                return Failed(round, term, reason);
            }

            var proofMessage = secure.Message(SecureAggregationMessageKind.ConsistencyProof, proof);
            foreach (var (client, _) in proof.Entries)
            {
                SendSecure(_members[client], proofMessage, cancellation);
            }

            // Round 3: unmasking shares -> the sum. Late messages find no round any more and are dropped.
            await CollectAsync(secure, cancellation).ConfigureAwait(false);
            lock (_gate)
            {
                _secureServer = null;
            }

            if (!secure.Server.TryFinish(out var sum, out reason))
            {
                return Failed(round, term, reason);
            }

            var averaged = new float[_parameterCount];
            if (!FixedPointQuantizer.TryDecodeMean(sum, global, averaged, out var total, out reason))
            {
                return Failed(round, term, reason);
            }

            if (!StillCoordinatorOf(term))
            {
                return null;
            }

            var left = chosen.Except(survivors.Clients).Select(i => _members[i]).ToArray();
            LogSecurelyAveraged(round, term, survivors.Clients.Length, chosen.Length, total, secure.Server.UnmaskingAnswers, threshold,
                left.Length > 0 ? $"; no masked input from {string.Join(", ", left)}" : string.Empty, (_clock.Elapsed - started).TotalMilliseconds);
            await PublishRoundAsync(term, round, averaged, cancellation).ConfigureAwait(false);
            return averaged;
        }
        finally
        {
            lock (_gate)
            {
                if (_secureServer == secure)
                {
                    _secureServer = null;
                }
            }
        }
    }

    private float[]? Failed(long round, long term, string reason)
    {
        _state.Drop("secure_round_failed");
        LogSecureRoundFailed(round, term, reason);
        return null;
    }

    /// <summary>Waits until the current step has heard every client it awaits, those still awaited all left, or the deadline passed.</summary>
    private async Task CollectAsync(SecureServerRound secure, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(_options.RoundDeadline);
        try
        {
            while (true)
            {
                bool done;
                lock (_gate)
                {
                    var awaited = secure.Server.Awaited.ToArray();
                    var livePeers = _election.LivePeers(Now, _options.Election.ElectionTimeoutMax);
                    done = awaited.All(client => client != _index && !livePeers.Contains(_members[client]));
                }

                if (done)
                {
                    return;
                }

                await secure.Changed.WaitAsync(TimerPeriod * 5, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // The deadline: the step closes with whoever answered.
        }
    }

    /// <summary>Sends a secure-aggregation message; to this node itself it is handed over in-process.</summary>
    private void SendSecure(string peer, SecureAggregationMessage message, CancellationToken cancellation)
    {
        if (peer == _name)
        {
            _ = Task.Run(() => OnSecureAggregationMessage(_name, message, cancellation), CancellationToken.None);
            return;
        }

        _ = SendAsync(peer, message.ToArray(), _options.RoundDeadline, cancellation);
    }

    private void OnSecureAggregationMessage(string sender, SecureAggregationMessage message, CancellationToken cancellation)
    {
        switch (message.Kind)
        {
            case SecureAggregationMessageKind.AdvertiseKeys:
            case SecureAggregationMessageKind.ShareKeys:
            case SecureAggregationMessageKind.MaskedInput:
            case SecureAggregationMessageKind.SurvivorSignature:
            case SecureAggregationMessageKind.Unmasking:
                OnClientMessage(sender, message);
                break;
            default:
                OnCoordinatorMessage(sender, message, cancellation);
                break;
        }
    }

    /// <summary>The coordinator's side: a client's answer to the current step, checked by the protocol's server.</summary>
    private void OnClientMessage(string sender, SecureAggregationMessage message)
    {
        bool accepted;
        string reason;
        SecureServerRound secure;
        lock (_gate)
        {
            if (_secureServer is not { } current || current.Term != message.Term || current.Round != message.Round || current.Attempt != message.Attempt
                || _election.Term != message.Term)
            {
                _state.Drop("late_secure_message");
                return;
            }

            secure = current;
            var client = IndexOf(sender);
            accepted = message.Body switch
            {
                AdvertisedKeys keys when message.Kind == SecureAggregationMessageKind.AdvertiseKeys => secure.Server.TryAcceptKeys(client, keys, out reason),
                ShareCiphertexts shares => secure.Server.TryAcceptShares(client, shares, out reason),
                MaskedInput input => secure.Server.TryAcceptMaskedInput(client, input, out reason),
                SurvivorSignature signature => secure.Server.TryAcceptSurvivorSignature(client, signature, out reason),
                UnmaskingShares unmasking => secure.Server.TryAcceptUnmasking(client, unmasking, out reason),
                _ => Refused(out reason),
            };
        }

        if (!accepted)
        {
            _state.Drop("refused_secure_message");
            LogRefused(sender, $"{message.Kind} of round {message.Round}: {reason}");
            return;
        }

        secure.Changed.Release();
    }

    private static bool Refused(out string reason)
    {
        reason = "a client's message of the wrong kind";
        return false;
    }

    /// <summary>A sampled client's side: the coordinator's request, directory, relayed shares or survivor list.</summary>
    private void OnCoordinatorMessage(string sender, SecureAggregationMessage message, CancellationToken cancellation)
    {
        if (_crashing)
        {
            return;
        }

        if (message.Kind == SecureAggregationMessageKind.KeyRequest)
        {
            StartSecureClient(sender, message, cancellation);
            return;
        }

        SecureClientRound? state;
        lock (_gate)
        {
            state = _secureClient;
        }

        if (state is null || state.Coordinator != sender || state.Term != message.Term || state.Round != message.Round
            || state.Attempt != message.Attempt || state.Threshold != message.Threshold || state.Sampled != message.Sampled)
        {
            _state.Drop("late_secure_message");
            return;
        }

        SecureAggregationMessage? answer = null;
        string reason = string.Empty;
        var ok = true;
        lock (state.Gate)
        {
            switch (message.Body)
            {
                case KeyDirectory directory:
                    ok = state.Client.TryShareKeys(directory, out var shares, out reason);
                    answer = ok ? state.Message(SecureAggregationMessageKind.ShareKeys, shares) : null;
                    break;
                case ShareCiphertexts relayed when message.Kind == SecureAggregationMessageKind.RelayedShares:
                    state.Relayed ??= relayed;
                    break;
                case SurvivorList survivors:
                    ok = state.Client.TrySignSurvivors(survivors, out var signature, out reason);
                    answer = ok ? state.Message(SecureAggregationMessageKind.SurvivorSignature, signature) : null;
                    break;
                case ConsistencyProof proof:
                    ok = state.Client.TryUnmask(proof, out var unmasking, out reason);
                    answer = ok ? state.Message(SecureAggregationMessageKind.Unmasking, unmasking) : null;
                    break;
                default:
                    (ok, reason) = (false, $"{message.Kind} is not a coordinator's message");
                    break;
            }
        }

        if (!ok)
        {
            RefuseOrAbort(state, message.Kind, reason);
            return;
        }

        if (answer is not null)
        {
            SendSecure(sender, answer, cancellation);
        }

        if (message.Kind == SecureAggregationMessageKind.RelayedShares)
        {
            MaskAndSend(state, cancellation);
        }
    }

    /// <summary>
    /// A key request starts this client's part in a round (replacing any earlier one: a redone round comes with new keys).
    /// A threshold below ⌊2n/3⌋ + 1 is refused: it would let fewer colluders unmask.
    /// </summary>
    private void StartSecureClient(string sender, SecureAggregationMessage message, CancellationToken cancellation)
    {
        bool fromCoordinator;
        lock (_gate)
        {
            // The coordinator's own client hears its request in-process; the election does not observe oneself.
            fromCoordinator = sender == _name
                ? _election.Role == Coordination.ElectionRole.Coordinator && _election.Term == message.Term
                : _election.ObserveCoordinator(sender, message.Term, Now);
            AfterElectionStep(cancellation);
        }

        if (!fromCoordinator)
        {
            _state.Drop("stale_coordinator");
            return;
        }

        if (message.Sampled < MinimumSecureClients || message.Threshold < SecureAggregationRound.DefaultThreshold(message.Sampled) || _index >= SecureAggregationLimits.MaxClients)
        {
            _state.Drop("refused_secure_message");
            LogRefused(sender, $"key request with threshold {message.Threshold} of {message.Sampled}: this node needs at least {MinimumSecureClients} clients and a threshold of at least 2n/3");
            return;
        }

        if (_options.SecureIdentity is not { } identity)
        {
            _state.Drop("refused_secure_message");
            LogRefused(sender, "key request: this node has no identity key to sign with (secure aggregation runs in identity mode only)");
            return;
        }

        var protocol = new SecureAggregationRound(
            SecureContext(_options.TaskSignature, message.Term, message.Round, message.Attempt, message.Threshold, message.Sampled, sender),
            message.Threshold, _parameterCount + 1, _options.PinnedFingerprints);
        var state = new SecureClientRound(sender, message.Term, message.Round, message.Attempt, message.Threshold, message.Sampled, new SecureAggregationClient(_index, protocol, identity));
        SecureClientRound? previous;
        lock (_gate)
        {
            if (_lastKeyRequest is { } last && last.Coordinator == sender && last.Term == message.Term && last.Round == message.Round && last.Attempt >= message.Attempt)
            {
                // Keys signed for an attempt are signed once: a second request for it could only serve to replay old keys.
                _state.Drop("refused_secure_message");
                LogRefused(sender, $"key request for attempt {message.Attempt} of round {message.Round}; this node already answered attempt {last.Attempt}");
                state.Client.Dispose();
                return;
            }

            _lastKeyRequest = (sender, message.Term, message.Round, message.Attempt);
            previous = _secureClient;
            _secureClient = state;
            if (_pendingSecureInput is { } pending && pending.Term == message.Term && pending.Round == message.Round)
            {
                state.Input = pending.Input;
                _pendingSecureInput = null;
            }
        }

        if (previous is not null)
        {
            lock (previous.Gate)
            {
                previous.Client.Dispose();
            }
        }

        AdvertisedKeys keys;
        lock (state.Gate)
        {
            keys = state.Client.AdvertiseKeys();
        }

        SendSecure(sender, state.Message(SecureAggregationMessageKind.AdvertiseKeys, keys), cancellation);
    }

    /// <summary>The model worker's end of a secure round: the weighted change, quantized, waits for the relayed shares to be masked.</summary>
    private void ContributeSecurely(WorkItem.Train item, ReadOnlyMemory<float> trained, long samples)
    {
        foreach (var value in trained.Span)
        {
            if (!float.IsFinite(value))
            {
                // A diverged model has no place in the sum; this client drops out of the round, which the protocol tolerates.
                LogNotContributing(item.Round, "the trained model has non-finite values");
                return;
            }
        }

        var input = new ulong[_parameterCount + 1];
        var clipped = FixedPointQuantizer.Encode(trained.Span, item.Global.Span, samples, input);
        if (clipped > 0)
        {
            LogClipped(item.Round, clipped, FixedPointQuantizer.ClipBound);
        }

        SecureClientRound? state;
        lock (_gate)
        {
            state = _secureClient;
            if (state is null || state.Term != item.Term || state.Round != item.Round || state.Coordinator != item.Coordinator)
            {
                // The key request has not arrived yet: it picks the input up.
                _pendingSecureInput = (item.Term, item.Round, input);
                return;
            }
        }

        lock (state.Gate)
        {
            state.Input ??= input;
        }

        MaskAndSend(state, CancellationToken.None);
    }

    /// <summary>Masks and sends the input once both it and the relayed shares are there (whichever came second calls this to effect).</summary>
    private void MaskAndSend(SecureClientRound state, CancellationToken cancellation)
    {
        MaskedInput masked;
        string reason;
        lock (state.Gate)
        {
            if (state.Input is null || state.Relayed is null || state.MaskedSent)
            {
                return;
            }

            state.MaskedSent = true;
            if (!state.Client.TryMaskInput(state.Relayed, state.Input, out masked, out reason))
            {
                RefuseOrAbort(state, SecureAggregationMessageKind.RelayedShares, reason);
                return;
            }
        }

        var message = state.Message(SecureAggregationMessageKind.MaskedInput, masked);
        if (_options.CrashAfterMaskedInput == state.Round && state.Coordinator != _name)
        {
            _crashing = true;
            _ = Task.Run(async () =>
            {
                if (await SendAsync(state.Coordinator, message.ToArray(), _options.RoundDeadline, cancellation).ConfigureAwait(false))
                {
                    LogCrashing(state.Round);
                    // SIGKILL, as a crash: no goodbye, no unmasking shares. The pause lets the console logger write the line.
                    await Task.Delay(200, CancellationToken.None).ConfigureAwait(false);
                    using var self = System.Diagnostics.Process.GetCurrentProcess();
                    self.Kill();
                }
            }, CancellationToken.None);
            return;
        }

        SendSecure(state.Coordinator, message, cancellation);
    }

    /// <summary>
    /// A refusal by the client's protocol: when it failed the client's round (a bad signature or pin, a list the others
    /// did not sign), the client aborts this attempt and says so once, naming the members; else it is a dropped message.
    /// </summary>
    private void RefuseOrAbort(SecureClientRound state, SecureAggregationMessageKind kind, string reason)
    {
        var named = ClientId().Replace(reason, m => int.TryParse(m.Groups[1].ValueSpan, out var k) && k < _members.Count ? $"{m.Value} ({_members[k]})" : m.Value);
        if (state.Client.Phase == SecureAggregationPhase.Failed)
        {
            _state.Drop("secure_round_aborted");
            LogSecureAborted(state.Round, state.Attempt, state.Coordinator, kind, named);
            return;
        }

        _state.Drop("refused_secure_message");
        LogRefused(state.Coordinator, $"{kind} of round {state.Round}: {named}");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"client (\d+)")]
    private static partial System.Text.RegularExpressions.Regex ClientId();

    [LoggerMessage(Level = LogLevel.Warning, Message = "round {Round} attempt {Attempt}: aborting secure aggregation with coordinator {Coordinator}, sending nothing more in this attempt: its {Kind} was refused: {Reason}")]
    private partial void LogSecureAborted(long round, int attempt, string coordinator, SecureAggregationMessageKind kind, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "round {Round}: masked input acknowledged; crashing now (--crash-after-masked-input, test only)")]
    private partial void LogCrashing(long round);

    [LoggerMessage(Level = LogLevel.Information, Message = "round {Round} (term {Term}): securely aggregated the masked inputs of {Survivors} of {Sampled} clients ({Samples} samples; unmasked with the shares of {Answers}, threshold {Threshold}){Missing} in {Milliseconds:0} ms")]
    private partial void LogSecurelyAveraged(long round, long term, int survivors, int sampled, long samples, int answers, int threshold, string missing, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "round {Round} (term {Term}): secure aggregation failed, nothing unmasked: {Reason}; redoing the round")]
    private partial void LogSecureRoundFailed(long round, long term, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "round {Round}: not contributing to the secure sum: {Reason}")]
    private partial void LogNotContributing(long round, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "round {Round}: {Count} coordinates of the update were clipped to ±{Bound} for secure aggregation")]
    private partial void LogClipped(long round, int count, double bound);

    /// <summary>The coordinator's round: the protocol's server and a signal for each accepted answer.</summary>
    private sealed class SecureServerRound(long term, long round, int attempt, int threshold, int sampled, SecureAggregationServer server)
    {
        public long Term { get; } = term;

        public long Round { get; } = round;

        public int Attempt { get; } = attempt;

        public SecureAggregationServer Server { get; } = server;

        public SemaphoreSlim Changed { get; } = new(0);

        public SecureAggregationMessage Message(SecureAggregationMessageKind kind, object? body) =>
            SecureAggregationMessage.Create(kind, Attempt, Term, Round, threshold, sampled, body);
    }

    /// <summary>A sampled client's round: the protocol's client, the quantized input and the relayed shares, under <see cref="Gate"/>.</summary>
    private sealed class SecureClientRound(string coordinator, long term, long round, int attempt, int threshold, int sampled, SecureAggregationClient client)
    {
        public Lock Gate { get; } = new();

        public string Coordinator { get; } = coordinator;

        public long Term { get; } = term;

        public long Round { get; } = round;

        public int Attempt { get; } = attempt;

        public int Threshold { get; } = threshold;

        public int Sampled { get; } = sampled;

        public SecureAggregationClient Client { get; } = client;

        public ulong[]? Input { get; set; }

        public ShareCiphertexts? Relayed { get; set; }

        public bool MaskedSent { get; set; }

        public SecureAggregationMessage Message(SecureAggregationMessageKind kind, object? body) =>
            SecureAggregationMessage.Create(kind, Attempt, Term, Round, Threshold, Sampled, body);
    }
}
