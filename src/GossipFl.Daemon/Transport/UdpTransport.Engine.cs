using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GossipFl.Daemon.Protocol;
using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Transport;

/// <summary>The engine thread: its loop, datagram dispatch, timers and shutdown.</summary>
public sealed partial class UdpTransport
{
    private const int ReceiveBatch = 256;
    private static readonly byte[] WakeByte = [0];
    private static readonly long IdleWait = 50 * Stopwatch.Frequency / 1000;
    private static readonly long RetiredLifetime = 10 * Stopwatch.Frequency;

    // Engine-thread state. Nothing below is touched by any other thread while the engine runs.
    private readonly Dictionary<string, Peer> _peers = new(StringComparer.Ordinal);
    private readonly List<Peer> _peerList = [];
    private readonly Dictionary<ulong, Session> _sessions = [];
    private readonly Dictionary<ulong, Peer> _pendingInitiations = [];
    private readonly Dictionary<ulong, ResponderHandshake> _halfOpen = [];
    private readonly Dictionary<ulong, ResponderHandshake> _halfOpenByInitiator = [];
    private readonly Queue<ReceivedMessage> _undelivered = new();
    private readonly List<Session> _ackQueue = [];
    private readonly List<ulong> _scratchIds = [];
    private readonly CookieJar _cookies = new();
    private byte[] _sendBuffer = [];
    private long _incomingBytesTotal;
    private long _lastTimerRun;
    private long _lastSlowTimerRun;
    private int _roundRobin;

    /// <summary>Reassembly bytes held over all peers (for tests and metrics; read after the engine stopped or racily).</summary>
    internal long IncomingBytesTotal => Volatile.Read(ref _incomingBytesTotal);

    internal int HalfOpenCount => _halfOpen.Count;

    private void Run()
    {
        var allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        var receiveBuffer = GC.AllocateUninitializedArray<byte>(65536, pinned: true);
        var from = new SocketAddress(_socket!.AddressFamily);
        var socket = _socket;
        var gro = _options.UseSegmentationOffload ? GroReceiver.TryCreate(socket, receiveBuffer, _options.Log) : null;
        while (!_stopping)
        {
            var now = Stopwatch.GetTimestamp();
            DrainCommands(now);
            var received = gro is null ? 0 : ReceiveBatched(gro, receiveBuffer, from, now);
            try
            {
                // FIONREAD reports the size of the next datagram, so a zero-length datagram reads as "nothing
                // there" and would stall the queue behind it forever: when it says 0, ask poll(2) as well.
                while (gro is null && received < ReceiveBatch && (socket.Available > 0 || socket.Poll(0, SelectMode.SelectRead)))
                {
                    var length = socket.ReceiveFrom(receiveBuffer, SocketFlags.None, from);
                    received++;
                    Counters.OnReceived(length);
                    Counters.Count(OnDatagram(receiveBuffer.AsSpan(0, length), from, now));
                }
            }
            catch (SocketException ex)
            {
                // An ICMP error reported on the socket (e.g. port unreachable): it concerns an earlier send, not
                // this loop; note it and carry on.
                Counters.OnSendError();
                _options.Log?.Invoke($"transport: receive reported {ex.SocketErrorCode}");
            }

            FlushAcks(now);
            FlushDeliveries();
            if (now - _lastTimerRun >= Millisecond)
            {
                RunTimers(now);
                _lastTimerRun = now;
            }

            var sent = SendData(now);
            Counters.SetEngineAllocated(GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart);
            if (received == 0 && sent == 0)
            {
                Sleep(now);
            }
        }
    }

    /// <summary>Drains the socket through <see cref="GroReceiver"/>, splitting each coalesced buffer into its datagrams.</summary>
    private int ReceiveBatched(GroReceiver gro, byte[] buffer, SocketAddress from, long now)
    {
        var received = 0;
        while (received < ReceiveBatch)
        {
            var length = gro.Receive(from, out var segment, out var error);
            if (length == -1)
            {
                break;
            }

            if (length == -2)
            {
                Counters.OnSendError();
                _options.Log?.Invoke($"transport: recvmsg failed, errno {error}");
                break;
            }

            // The counters are shared with other threads (interlocked): add up a coalesced run here and count it once.
            var offset = 0;
            var datagrams = 0;
            var accepted = 0;
            do
            {
                var size = Math.Min(segment, length - offset);
                datagrams++;
                var verdict = OnDatagram(buffer.AsSpan(offset, size), from, now);
                if (verdict == Verdict.Accepted)
                {
                    accepted++;
                }
                else
                {
                    Counters.Count(verdict);
                }

                offset += size;
            }
            while (offset < length && segment > 0);
            // Verdicts first: whoever sees the datagrams as received also sees where each of them landed.
            received += datagrams;
            Counters.OnAccepted(accepted);
            Counters.OnReceived(length, datagrams);
        }

        return received;
    }

    private void Sleep(long now)
    {
        var wait = IdleWait;
        foreach (var peer in _peerList)
        {
            if (peer.HasWork || peer.Pending is not null || peer.Congestion.BytesInFlight > 0 || peer.Incoming.Count > 0)
            {
                wait = Math.Min(wait, peer.PacedUntil > now ? peer.PacedUntil - now : Millisecond);
            }
        }

        if (_halfOpen.Count > 0 || _undelivered.Count > 0)
        {
            wait = Math.Min(wait, Millisecond);
        }

        var micros = (int)(wait * 1_000_000 / Stopwatch.Frequency);
        Interlocked.Exchange(ref _sleeping, 1);
        if (_commands.IsEmpty && !_stopping)
        {
            if (micros < 1000)
            {
                // poll(2) counts milliseconds: shorter pacing gaps are waited with a timer of their own length.
                ShortWait.ForReadable(_socket!, micros);
            }
            else
            {
                _socket!.Poll(micros, SelectMode.SelectRead);
            }
        }

        Interlocked.Exchange(ref _sleeping, 0);
        Interlocked.Exchange(ref _wakeSent, 0);
    }

    private void DrainCommands(long now)
    {
        while (_commands.TryDequeue(out var command))
        {
            var message = command.Message;
            if (command.Kind == EngineCommandKind.Cancel)
            {
                if (!message.Finished && message.Peer is not null)
                {
                    Finish(message, new OperationCanceledException("the send was cancelled"), now);
                }
                else if (!message.Finished)
                {
                    message.Finished = true;
                    message.Completion.TrySetCanceled();
                }

                continue;
            }

            if (message.Finished)
            {
                continue;
            }

            var peer = GetOrCreatePeer(message.PeerName, command.EndPoint!);
            message.Peer = peer;
            message.Id = peer.NextMessageId++;
            peer.Outgoing.Add(message);
            if (peer.Session is null && peer.Pending is null)
            {
                StartHandshake(peer, now);
            }
        }
    }

    private Peer GetOrCreatePeer(string name, IPEndPoint endPoint)
    {
        if (_peers.TryGetValue(name, out var peer))
        {
            // The caller's address (from discovery or configuration) is the freshest knowledge we have; the peer
            // follows us to wherever authenticated packets come from, so a move on either side heals.
            if (!peer.EndPoint.Equals(endPoint))
            {
                peer.EndPoint = endPoint;
                peer.Address = endPoint.Serialize();
            }

            return peer;
        }

        peer = new Peer(name, endPoint.Serialize(), endPoint, _options.MaxDatagramSize, _options.MaxCongestionWindow);
        _peers.Add(name, peer);
        _peerList.Add(peer);
        return peer;
    }

    private Verdict OnDatagram(Span<byte> datagram, SocketAddress from, long now)
    {
        if (datagram.Length == 1 && from.Equals(_selfAddress))
        {
            return Verdict.Wakeup;
        }

        if (!PacketHeader.TryRead(datagram, out var header) || header.Version != PacketHeader.CurrentVersion)
        {
            return Verdict.Malformed;
        }

        return header.Type switch
        {
            PacketType.Data => OnData(header, datagram, from, now),
            PacketType.Initiation => OnInitiation(header, datagram, from, now),
            PacketType.Response => OnResponse(header, datagram, from, now),
            PacketType.Confirm => OnConfirm(header, datagram, from, now),
            PacketType.Cookie => OnCookie(header, datagram, from, now),
            _ => Verdict.Malformed,
        };
    }

    private void RunTimers(long now)
    {
        for (var p = 0; p < _peerList.Count; p++)
        {
            var peer = _peerList[p];
            ExpireMessages(peer, now);
            if (peer.Pending is { } pending && now >= pending.ResendAt)
            {
                if (!peer.HasWork)
                {
                    AbandonHandshake(peer);
                }
                else
                {
                    SendInitiation(peer, pending, now);
                }
            }

            if (peer.Session is not { } session)
            {
                continue;
            }

            if (!session.Confirmed && now >= session.ConfirmResendAt)
            {
                ResendConfirm(peer, session, now);
                continue;
            }

            DetectLosses(session, now);
            session.Sent.Advance(session.NextPacketNumber);
            if (peer.ProbeTimeoutAt != 0 && now >= peer.ProbeTimeoutAt)
            {
                OnProbeTimeout(peer, session, now);
            }
        }

        if (now - _lastSlowTimerRun >= 100 * Millisecond)
        {
            _lastSlowTimerRun = now;
            RunSlowTimers(now);
        }
    }

    /// <summary>Housekeeping that can wait 100 ms: half-open handshakes, retired sessions, idle reassemblies.</summary>
    private void RunSlowTimers(long now)
    {
        _scratchIds.Clear();
        foreach (var (id, handshake) in _halfOpen)
        {
            if (now >= handshake.ExpiresAt)
            {
                _scratchIds.Add(id);
            }
        }

        foreach (var id in _scratchIds)
        {
            RemoveHalfOpen(_halfOpen[id]);
        }

        _scratchIds.Clear();
        foreach (var (id, session) in _sessions)
        {
            if (session.RetiredAt != 0 && now - session.RetiredAt >= RetiredLifetime)
            {
                _scratchIds.Add(id);
            }
        }

        foreach (var id in _scratchIds)
        {
            _sessions.Remove(id, out var session);
            session!.Dispose();
        }

        var idle = (long)(_options.ReassemblyIdleTimeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var peer in _peerList)
        {
            if (peer.Incoming.Count == 0)
            {
                continue;
            }

            _scratchIds.Clear();
            foreach (var (id, message) in peer.Incoming)
            {
                if (now - message.LastActivity >= idle)
                {
                    _scratchIds.Add(id);
                }
            }

            foreach (var id in _scratchIds)
            {
                DropIncoming(peer, peer.Incoming[id]);
                _options.Log?.Invoke($"transport: dropped idle partial message {id} from {peer.Name}");
            }
        }
    }

    private void DropIncoming(Peer peer, IncomingMessage message)
    {
        peer.Incoming.Remove(message.Id);
        peer.IncomingBytes -= message.TotalLength;
        Interlocked.Add(ref _incomingBytesTotal, -message.TotalLength);
        message.Release();
        peer.MarkDelivered(message.Id);
    }

    private void ExpireMessages(Peer peer, long now)
    {
        for (var i = peer.Outgoing.Count - 1; i >= 0 && i < peer.Outgoing.Count; i--)
        {
            var message = peer.Outgoing[i];
            if (!message.Expired(now))
            {
                continue;
            }

            var failure = peer.Session is { Confirmed: true }
                ? new TransportException(TransportFailure.DeadlineExceeded, $"{peer.Name} acknowledged {message.AckedCount} of {message.FragmentCount} fragments before the deadline")
                : new TransportException(TransportFailure.PeerUnreachable, $"no authenticated session with {peer.Name} at {peer.EndPoint} before the deadline");
            Finish(message, failure, now);
        }
    }

    /// <summary>Ends a message that did not complete: tells the caller, and the peer (so it frees the reassembly).</summary>
    private void Finish(OutgoingMessage message, Exception failure, long now)
    {
        message.Finished = true;
        var peer = message.Peer!;
        peer.Outgoing.Remove(message);
        message.Cancellation.Unregister();
        Counters.OnMessageFailed();
        if (failure is OperationCanceledException)
        {
            message.Completion.TrySetCanceled();
        }
        else
        {
            message.Completion.TrySetException(failure);
        }

        if (peer.Session is { Confirmed: true } session && (message.NextNew > 0 || message.AckedCount > 0))
        {
            SendCancel(session, message.Id);
        }
    }

    private void ShutDownState()
    {
        var disposed = new TransportException(TransportFailure.Disposed, "the transport was disposed");
        foreach (var peer in _peerList)
        {
            foreach (var message in peer.Outgoing)
            {
                message.Finished = true;
                message.Cancellation.Unregister();
                message.Completion.TrySetException(disposed);
            }

            peer.Outgoing.Clear();
            foreach (var message in peer.Incoming.Values)
            {
                message.Release();
            }

            peer.Incoming.Clear();
            peer.Pending?.Dispose();
        }

        while (_commands.TryDequeue(out var command))
        {
            command.Message.Finished = true;
            command.Message.Completion.TrySetException(disposed);
        }

        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }

        _sessions.Clear();
        while (_undelivered.TryDequeue(out var message))
        {
            message.Dispose();
        }

        Interlocked.Exchange(ref _incomingBytesTotal, 0);
    }

    private void Transmit(ReadOnlySpan<byte> datagram, SocketAddress to)
    {
        try
        {
            _socket!.SendTo(datagram, SocketFlags.None, to);
            Counters.OnSent(datagram.Length);
        }
        catch (SocketException ex)
        {
            // Unreachable network, a full buffer in non-blocking corners, a firewall: the datagram is lost like any
            // other and recovery resends it; count it so a persistent cause shows in the metrics.
            Counters.OnSendError();
            if (Counters.SendErrors < 10)
            {
                _options.Log?.Invoke($"transport: send failed: {ex.SocketErrorCode}");
            }
        }
    }
}
