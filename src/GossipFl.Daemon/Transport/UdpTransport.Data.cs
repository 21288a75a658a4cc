using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GossipFl.Daemon.Protocol;
using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// Data packets: receiving and reassembling fragments, acknowledging, loss detection and retransmission
/// (RFC 9002 §6: packet and time thresholds, probe timeout), and sending under the congestion window and pacing.
/// </summary>
public sealed partial class UdpTransport
{
    private const int PacketThreshold = 3;
    // An acknowledgement costs the receiver a seal and a send system call (14% of its engine thread at 1472-byte
    // datagrams when it was every 16 packets); a drained socket and any gap still make one at once, so only long
    // in-order runs wait for this many.
    private const int AckEveryPackets = 32;
    private const int SendBudgetPerPeer = 64;
    private const int MaxBatchBytes = 65507;
    private const int MaxBatchSegments = 64;
    private static readonly long MaxAckDelay = Stopwatch.Frequency / 1000;
    private static readonly long MinProbeTimeout = 5 * Stopwatch.Frequency / 1000;

    // The backed-off probe timeout never exceeds this (unless the path's own PTO does): a path that comes back after
    // an outage (a partition heals) is noticed within about a second, not after minutes of doubled timeouts.
    private static readonly long MaxProbeInterval = Stopwatch.Frequency;
    private byte[] _batchBuffer = [];
    private int _batchLength;
    private int _batchSegments;
    private SocketAddress? _batchAddress;
    private bool _segmentation;

    private Verdict OnData(PacketHeader header, Span<byte> datagram, SocketAddress from, long now)
    {
        if (!_sessions.TryGetValue(header.ConnectionId, out var session))
        {
            return Verdict.Unauthenticated;
        }

        if (datagram.Length < PacketHeader.Size + 1 + PacketProtection.TagSize)
        {
            return Verdict.Malformed;
        }

        var packetNumber = header.PacketNumber;
        if (!session.Replay.IsFresh(packetNumber))
        {
            return Verdict.Replayed;
        }

        var payload = datagram[PacketHeader.Size..^PacketProtection.TagSize];
        if (!session.Protection.TryOpen(packetNumber, datagram[..PacketHeader.Size], payload, datagram[^PacketProtection.TagSize..]))
        {
            return Verdict.Unauthenticated;
        }

        session.Replay.Mark(packetNumber);
        var peer = session.Peer;
        if (session.RetiredAt == 0 && !from.Equals(peer.Address))
        {
            // Authenticated traffic from a new address: the peer moved (or a NAT rebound). Follow it.
            peer.Address = CopyAddress(from);
            peer.EndPoint = ToEndPoint(peer.Address);
        }

        if (!session.Confirmed)
        {
            session.Confirmed = true;
            session.ConfirmDatagram = null;
        }

        var verdict = Verdict.Accepted;
        var ackEliciting = false;
        var offset = 0;
        while (offset < payload.Length && verdict == Verdict.Accepted)
        {
            var frame = payload[offset..];
            switch ((FrameType)frame[0])
            {
                case FrameType.Ack:
                    if (!AckFrame.TryRead(frame, out var ack) || !OnAck(session, ack, now))
                    {
                        return Verdict.Malformed;
                    }

                    offset += ack.Length;
                    break;
                case FrameType.Fragment:
                    if (!FragmentFrame.TryRead(frame, out var fragment))
                    {
                        return Verdict.Malformed;
                    }

                    ackEliciting = true;
                    verdict = OnFragment(session, fragment, frame[FragmentFrame.HeaderSize..], now);
                    offset = payload.Length;
                    break;
                case FrameType.Cancel:
                    if (!CancelFrame.TryRead(frame, out var cancel))
                    {
                        return Verdict.Malformed;
                    }

                    if (peer.Incoming.TryGetValue(cancel.MessageId, out var abandoned))
                    {
                        DropIncoming(peer, abandoned);
                    }
                    else
                    {
                        peer.MarkDelivered(cancel.MessageId);
                    }

                    ackEliciting = true;
                    offset += CancelFrame.Size;
                    break;
                case FrameType.Ping:
                    ackEliciting = true;
                    offset += 1;
                    break;
                default:
                    return Verdict.Malformed;
            }
        }

        // A refused fragment is not acknowledged, so its sender retries it later (flow control by refusal).
        if (ackEliciting && verdict == Verdict.Accepted)
        {
            var outOfOrder = session.Received.Add(packetNumber, now);
            session.Received.Unacknowledged++;
            if (outOfOrder || session.Received.Unacknowledged >= AckEveryPackets)
            {
                SendAck(session, now);
            }
            else if (!session.AckQueued)
            {
                session.AckQueued = true;
                _ackQueue.Add(session);
            }
        }

        return verdict;
    }

    private Verdict OnFragment(Session session, FragmentFrame fragment, ReadOnlySpan<byte> data, long now)
    {
        var peer = session.Peer;
        if (!peer.MayDeliver)
        {
            return Verdict.Untrusted;
        }

        var id = fragment.MessageId;
        if (peer.IsDelivered(id))
        {
            Counters.OnDuplicateFragment();
            return Verdict.Accepted;
        }

        if (!peer.Incoming.TryGetValue(id, out var message))
        {
            var total = fragment.TotalLength;
            if (total > (ulong)_options.MaxMessageSize
                || peer.Incoming.Count >= _options.MaxIncomingMessagesPerPeer
                || peer.IncomingBytes + (long)total > _options.MaxIncomingBytesPerPeer
                || IncomingBytesTotal + (long)total > _options.MaxIncomingBytesTotal
                || _undelivered.Count > 0)
            {
                return Verdict.OverLimit;
            }

            message = new IncomingMessage(id, (int)total, fragment.FragmentSize, (uint)fragment.FragmentCount, now);
            peer.Incoming.Add(id, message);
            peer.IncomingBytes += (long)total;
            Interlocked.Add(ref _incomingBytesTotal, (long)total);
        }
        else if ((ulong)message.TotalLength != fragment.TotalLength || message.FragmentSize != fragment.FragmentSize)
        {
            return Verdict.Malformed;
        }

        message.LastActivity = now;
        if (!message.Accept(fragment.FragmentIndex, data))
        {
            Counters.OnDuplicateFragment();
            return Verdict.Accepted;
        }

        if (message.IsComplete)
        {
            peer.Incoming.Remove(id);
            peer.IncomingBytes -= message.TotalLength;
            Interlocked.Add(ref _incomingBytesTotal, -message.TotalLength);
            peer.MarkDelivered(id);
            var delivered = new ReceivedMessage(peer.Name, peer.Fingerprint, peer.EndPoint, message.TakeBuffer(), message.TotalLength, message.Pooled);
            Counters.OnMessageReceived();
            if (_undelivered.Count > 0 || !_incoming.Writer.TryWrite(delivered))
            {
                _undelivered.Enqueue(delivered);
            }
        }

        return Verdict.Accepted;
    }

    private void FlushDeliveries()
    {
        while (_undelivered.TryPeek(out var message) && _incoming.Writer.TryWrite(message))
        {
            _undelivered.Dequeue();
        }
    }

    /// <summary>Processes an acknowledgement; false if it acknowledges packets never sent (a broken peer).</summary>
    private bool OnAck(Session session, AckFrame ack, long now)
    {
        if (ack.Largest >= session.NextPacketNumber)
        {
            return false;
        }

        var peer = session.Peer;
        if (!ReferenceEquals(peer.Session, session))
        {
            // A replaced session: its packets were requeued on the new one, so its acknowledgements are moot.
            return true;
        }

        peer.PeerWindow = ack.ReceiveWindow;
        Span<PacketRange> ranges = stackalloc PacketRange[ReceivedPacketTracker.MaxRanges];
        var count = ack.CopyRangesTo(ranges);
        var sent = session.Sent;
        var newlyAcked = false;
        var largestSentAt = -1L;
        for (var i = 0; i < count; i++)
        {
            var low = Math.Max(ranges[i].Low, sent.LowestUnacked);
            for (var packetNumber = low; packetNumber <= ranges[i].High; packetNumber++)
            {
                ref var packet = ref sent[packetNumber];
                if (!packet.InFlight || packet.PacketNumber != packetNumber)
                {
                    continue;
                }

                packet.InFlight = false;
                newlyAcked = true;
                peer.Congestion.OnAcked(packet.Bytes, packet.SentAt);
                if (packetNumber == ack.Largest)
                {
                    largestSentAt = packet.SentAt;
                }

                if (packet.Message is { Finished: false } message && message.MarkAcked(packet.Fragment))
                {
                    Complete(message);
                }

                packet.Message = null;
            }
        }

        if (!sent.AnyAcked || ack.Largest > sent.LargestAcked)
        {
            sent.LargestAcked = ack.Largest;
            sent.AnyAcked = true;
        }

        if (largestSentAt >= 0)
        {
            peer.Rtt.Update(now - largestSentAt, ack.AckDelayMicros * Stopwatch.Frequency / 1_000_000);
        }

        DetectLosses(session, now);
        sent.Advance(session.NextPacketNumber);
        if (newlyAcked)
        {
            peer.ProbeTimeouts = 0;
            peer.ProbeTimeoutAt = peer.Congestion.BytesInFlight > 0 ? now + ProbeTimeout(peer) : 0;
        }

        return true;
    }

    private void Complete(OutgoingMessage message)
    {
        message.Finished = true;
        message.Peer!.Outgoing.Remove(message);
        message.Cancellation.Unregister();
        Counters.OnMessageSent();
        message.Completion.TrySetResult();
    }

    /// <summary>RFC 9002 §6.1: a packet is lost once three later packets are acknowledged, or 9/8 RTT after it was sent while a later one is.</summary>
    private static void DetectLosses(Session session, long now)
    {
        var sent = session.Sent;
        if (!sent.AnyAcked)
        {
            return;
        }

        var peer = session.Peer;
        var lossDelay = peer.Rtt.LossDelay;
        for (var packetNumber = sent.LowestUnacked; packetNumber < sent.LargestAcked; packetNumber++)
        {
            ref var packet = ref sent[packetNumber];
            if (packet.InFlight && packet.PacketNumber == packetNumber
                && (sent.LargestAcked - packetNumber >= PacketThreshold || now - packet.SentAt >= lossDelay))
            {
                DeclareLost(peer, ref packet, now);
            }
        }
    }

    private static void DeclareLost(Peer peer, ref SentPacket packet, long now)
    {
        packet.InFlight = false;
        peer.Congestion.OnLost(packet.Bytes, packet.SentAt, now);
        if (packet.Message is { Finished: false } message && !message.IsAcked(packet.Fragment))
        {
            peer.Retransmit.Enqueue((message, packet.Fragment));
        }

        packet.Message = null;
    }

    /// <summary>
    /// No acknowledgement for a probe timeout (RFC 9002 §6.2): send up to two probes, even beyond the congestion
    /// window, and back off exponentially (up to <see cref="MaxProbeInterval"/>). A probe is a copy of one of the
    /// oldest unacknowledged fragments or, when those all belong to messages that already failed their deadline, new
    /// data (RFC 9002 §6.2.4): a sender whose window is full of such orphans would otherwise send nothing that could
    /// be acknowledged, and never learn that the path came back. Nothing is declared lost here: a stalled receiver (a
    /// loaded machine) must not cause the whole flight to be resent; the probes' acknowledgements let the normal
    /// detection find what really was lost. After repeated timeouts the window restarts from its minimum, and after
    /// many the session is presumed dead (the peer may have restarted).
    /// </summary>
    private void OnProbeTimeout(Peer peer, Session session, long now)
    {
        peer.ProbeTimeouts++;
        peer.ProbeTimeoutAt = 0;
        var sent = session.Sent;
        var probes = 0;
        for (var packetNumber = sent.LowestUnacked; packetNumber < session.NextPacketNumber && probes < 2; packetNumber++)
        {
            ref var packet = ref sent[packetNumber];
            if (packet.InFlight && packet.PacketNumber == packetNumber && packet.Message is { Finished: false } message && !message.IsAcked(packet.Fragment))
            {
                peer.Retransmit.Enqueue((message, packet.Fragment));
                probes++;
            }
        }

        peer.ProbeBudget = Math.Max(probes, 1);
        if (peer.ProbeTimeouts >= 3)
        {
            peer.Congestion.OnPersistentCongestion(now);
        }

        if (peer.ProbeTimeouts >= 8)
        {
            // Either role: a responder whose peer restarted would otherwise send into a session nobody has.
            _options.Log?.Invoke($"transport: {peer.Name} stopped answering; making a new session");
            session.RetiredAt = now;
            peer.Session = null;
            peer.Congestion.ResetInFlight();
            StartHandshake(peer, now);
        }
    }

    /// <summary>
    /// The probe timeout with backoff; at least 5 ms, since a shared machine can deschedule a peer that long, and
    /// backed off to at most <see cref="MaxProbeInterval"/> or the path's own probe timeout, whichever is longer.
    /// </summary>
    private static long ProbeTimeout(Peer peer)
    {
        var single = Math.Max(peer.Rtt.ProbeTimeout(MaxAckDelay), MinProbeTimeout);
        return Math.Min(single << Math.Min(peer.ProbeTimeouts, 6), Math.Max(single, MaxProbeInterval));
    }

    private int SendData(long now)
    {
        var sentTotal = 0;
        var count = _peerList.Count;
        for (var k = 0; k < count; k++)
        {
            var peer = _peerList[(_roundRobin + k) % count];
            if (!peer.HasWork || peer.Session is not { Confirmed: true, RetiredAt: 0 } session || peer.PacedUntil > now)
            {
                continue;
            }

            peer.PacedUntil = 0;
            for (var budget = SendBudgetPerPeer; budget > 0; budget--)
            {
                var congestion = peer.Congestion;
                var probe = peer.ProbeBudget > 0;
                if (!probe && !congestion.HasRoom(peer.PeerWindow))
                {
                    // A closed receive window with nothing in flight: probe it now and then, or we would never
                    // hear that it opened.
                    if (congestion.BytesInFlight > 0 || now < peer.WindowProbeAt)
                    {
                        break;
                    }

                    peer.WindowProbeAt = now + Math.Max(ProbeTimeout(peer), 10 * Millisecond);
                    budget = 1;
                }

                if (!congestion.PacingAllows(now, peer.Rtt, out var wait))
                {
                    peer.PacedUntil = now + wait;
                    break;
                }

                if (!session.Sent.CanRecord(session.NextPacketNumber) || !NextFragment(peer, out var message, out var index, out var retransmission))
                {
                    break;
                }

                if (probe)
                {
                    // Probes go out whatever the window says (RFC 9002 §6.2.4): retransmissions first, else new data.
                    peer.ProbeBudget--;
                }

                SendFragment(session, message, index, now);
                if (retransmission)
                {
                    Counters.OnRetransmit();
                }

                sentTotal++;
            }
        }

        FlushBatch();
        _roundRobin = count == 0 ? 0 : (_roundRobin + 1) % count;
        return sentTotal;
    }

    private static bool NextFragment(Peer peer, out OutgoingMessage message, out uint index, out bool retransmission)
    {
        while (peer.Retransmit.TryDequeue(out var lost))
        {
            if (!lost.Message.Finished && !lost.Message.IsAcked(lost.Fragment))
            {
                (message, index, retransmission) = (lost.Message, lost.Fragment, true);
                return true;
            }
        }

        foreach (var candidate in peer.Outgoing)
        {
            while (candidate.NextNew < candidate.FragmentCount && candidate.IsAcked(candidate.NextNew))
            {
                candidate.NextNew++;
            }

            if (candidate.NextNew < candidate.FragmentCount)
            {
                (message, index, retransmission) = (candidate, candidate.NextNew++, false);
                return true;
            }
        }

        (message, index, retransmission) = (null!, 0, false);
        return false;
    }

    private void SendFragment(Session session, OutgoingMessage message, uint index, long now)
    {
        var peer = session.Peer;
        var maxDatagram = _options.MaxDatagramSize;
        if (_batchSegments > 0 && (!ReferenceEquals(_batchAddress, peer.Address) || _batchLength + maxDatagram > MaxBatchBytes || _batchSegments >= MaxBatchSegments))
        {
            FlushBatch();
        }

        var packet = _segmentation ? _batchBuffer.AsSpan(_batchLength) : _sendBuffer.AsSpan();
        var packetNumber = session.NextPacketNumber++;
        var data = message.FragmentData(index);
        new FragmentFrame(message.Id, (ulong)message.Payload.Length, index, (uint)message.FragmentSize).WriteTo(packet[PacketHeader.Size..]);

        // The data is encrypted from the message into the datagram, not copied there first.
        var length = Seal(session, packetNumber, packet, FragmentFrame.HeaderSize, data);
        if (_segmentation)
        {
            _batchAddress = peer.Address;
            _batchLength += length;
            _batchSegments++;
            if (length < maxDatagram)
            {
                // Only the last segment of a batch may be shorter than the segment size.
                FlushBatch();
            }
        }
        else
        {
            Transmit(packet[..length], peer.Address);
        }

        session.Sent.Record(packetNumber, message, index, now, length);
        peer.Congestion.OnSent(length);
        if (peer.ProbeTimeoutAt == 0)
        {
            peer.ProbeTimeoutAt = now + ProbeTimeout(peer);
        }
    }

    /// <summary>
    /// Sends the batched datagrams with one system call: with UDP_SEGMENT the kernel cuts the buffer into datagrams
    /// of the segment size (UDP generic segmentation offload, Linux 4.18+), which removes most of the per-datagram
    /// cost of sendto(2). Should the kernel refuse, segmentation is switched off and the batch sent one by one.
    /// </summary>
    private void FlushBatch()
    {
        if (_batchSegments == 0)
        {
            return;
        }

        var batch = _batchBuffer.AsSpan(0, _batchLength);
        var address = _batchAddress!;
        var segments = _batchSegments;
        _batchLength = 0;
        _batchSegments = 0;
        _batchAddress = null;
        try
        {
            _socket!.SendTo(batch, SocketFlags.None, address);
            Counters.OnSent(batch.Length, segments);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is not SocketError.NoBufferSpaceAvailable)
        {
            _options.Log?.Invoke($"transport: segmented send failed ({ex.SocketErrorCode}); sending datagrams one by one from now on");
            _segmentation = false;
            SocketTuning.DisableSegmentation(_socket!);
            var size = _options.MaxDatagramSize;
            for (var offset = 0; offset < batch.Length; offset += size)
            {
                Transmit(batch.Slice(offset, Math.Min(size, batch.Length - offset)), address);
            }
        }
        catch (SocketException)
        {
            // Out of buffer space: like a loss; recovery resends. Counted as a send error.
            Counters.OnSendError();
        }
    }

    /// <summary>Writes the header for <paramref name="packetNumber"/> and seals the plaintext already after it in <paramref name="packet"/>.</summary>
    private static int Seal(Session session, ulong packetNumber, Span<byte> packet, int plaintextLength) =>
        Seal(session, packetNumber, packet, plaintextLength, []);

    /// <summary>
    /// Writes the header for <paramref name="packetNumber"/> and seals the plaintext: <paramref name="inPlace"/> bytes
    /// already after the header in <paramref name="packet"/>, then <paramref name="rest"/>, read where it lies.
    /// </summary>
    private static int Seal(Session session, ulong packetNumber, Span<byte> packet, int inPlace, ReadOnlySpan<byte> rest)
    {
        var plaintextLength = inPlace + rest.Length;
        new PacketHeader(PacketHeader.CurrentVersion, PacketType.Data, session.RemoteId, packetNumber).WriteTo(packet);
        session.Protection.Seal(
            packetNumber,
            packet[..PacketHeader.Size],
            packet.Slice(PacketHeader.Size, plaintextLength),
            inPlace,
            rest,
            packet.Slice(PacketHeader.Size + plaintextLength, PacketProtection.TagSize));
        return PacketHeader.Size + plaintextLength + PacketProtection.TagSize;
    }

    private void SendAck(Session session, long now)
    {
        var ranges = session.Received.Ranges;
        if (ranges.IsEmpty)
        {
            return;
        }

        var fit = 1 + ((_options.MaxDatagramSize - PacketHeader.Size - PacketProtection.TagSize - AckFrame.HeaderSize) / AckFrame.RangeSize);
        var delay = (now - session.Received.LargestReceivedAt) * 1_000_000 / Stopwatch.Frequency;
        var window = _incoming.Reader.Count + _undelivered.Count >= _options.IncomingQueueCapacity ? 0u : (uint)_options.ReceiveWindow;
        var frame = new AckFrame(ranges[..Math.Min(ranges.Length, fit)], (uint)Math.Clamp(delay, 0, uint.MaxValue), window);
        frame.WriteTo(_sendBuffer.AsSpan(PacketHeader.Size));
        var length = Seal(session, session.NextPacketNumber++, _sendBuffer, frame.Length);
        Transmit(_sendBuffer.AsSpan(0, length), session.Peer.Address);
        session.Received.Unacknowledged = 0;
    }

    private void FlushAcks(long now)
    {
        foreach (var session in _ackQueue)
        {
            session.AckQueued = false;
            if (session.Received.Unacknowledged > 0)
            {
                SendAck(session, now);
            }
        }

        _ackQueue.Clear();
    }

    private void SendPing(Session session)
    {
        _sendBuffer[PacketHeader.Size] = (byte)FrameType.Ping;
        var length = Seal(session, session.NextPacketNumber++, _sendBuffer, 1);
        Transmit(_sendBuffer.AsSpan(0, length), session.Peer.Address);
    }

    private void SendCancel(Session session, ulong messageId)
    {
        new CancelFrame(messageId).WriteTo(_sendBuffer.AsSpan(PacketHeader.Size));
        var length = Seal(session, session.NextPacketNumber++, _sendBuffer, CancelFrame.Size);
        Transmit(_sendBuffer.AsSpan(0, length), session.Peer.Address);
    }
}
