using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using GossipFl.Daemon.Protocol;
using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// The handshake (docs/protocol.md §Handshake): Initiation, Response, Confirm, with a Cookie exchange first when the
/// responder is loaded. Sessions are installed here.
/// </summary>
public sealed partial class UdpTransport
{
    private const byte SupportedVersion = PacketHeader.CurrentVersion;
    private static readonly long HandshakeLifetime = 5 * Stopwatch.Frequency;

    private static ulong NewConnectionId()
    {
        ulong id;
        do
        {
            id = RandomUInt64();
        }
        while (id == 0);
        return id;
    }

    private void StartHandshake(Peer peer, long now)
    {
        var ephemeral = HandshakeCrypto.CreateEphemeral(out var point);
        var handshake = new InitiatorHandshake(NewConnectionId(), ephemeral, point, RandomNumberGenerator.GetBytes(HandshakeInitiation.NonceSize), now);
        peer.Pending = handshake;
        _pendingInitiations[handshake.LocalId] = peer;
        SendInitiation(peer, handshake, now);
    }

    private void SendInitiation(Peer peer, InitiatorHandshake handshake, long now)
    {
        var body = new HandshakeInitiation(
            SupportedVersion, SupportedVersion, _options.Mode, handshake.LocalId, _instance, handshake.Nonce,
            handshake.EphemeralPoint, _options.NodeName, peer.Name, handshake.Cookie);
        var datagram = new byte[PacketHeader.Size + body.Length];
        new PacketHeader(PacketHeader.CurrentVersion, PacketType.Initiation, 0, 0).WriteTo(datagram);
        body.WriteTo(datagram.AsSpan(PacketHeader.Size));
        handshake.Datagram = datagram;
        handshake.Attempts++;
        handshake.ResendAt = now + Math.Min(250 * Millisecond << Math.Min(handshake.Attempts - 1, 3), 2 * Stopwatch.Frequency);
        Transmit(datagram, peer.Address);
    }

    private void AbandonHandshake(Peer peer)
    {
        if (peer.Pending is { } pending)
        {
            _pendingInitiations.Remove(pending.LocalId);
            pending.Dispose();
            peer.Pending = null;
        }
    }

    private Verdict OnInitiation(PacketHeader header, ReadOnlySpan<byte> datagram, SocketAddress from, long now)
    {
        if (header.ConnectionId != 0 || header.PacketNumber != 0
            || !HandshakeInitiation.TryRead(datagram[PacketHeader.Size..], out var init))
        {
            return Verdict.Malformed;
        }

        if (init!.MinVersion > SupportedVersion || init.MaxVersion < SupportedVersion || init.SenderConnectionId == 0)
        {
            // No version in common (the only one this build speaks is 1): nothing can be agreed, so nothing is sent.
            return Verdict.Malformed;
        }

        if (init.Mode != _options.Mode || !string.Equals(init.TargetName, _options.NodeName, StringComparison.Ordinal))
        {
            return Verdict.Unauthenticated;
        }

        // Cheap refusal before any cryptography: a name that can never be trusted gets nothing.
        if (!_options.TrustPolicy.MayDeliver(init.SenderName, null))
        {
            return Verdict.Untrusted;
        }

        if (_halfOpenByInitiator.TryGetValue(init.SenderConnectionId, out var existing)
            && existing.InitiatorNonce.AsSpan().SequenceEqual(init.Nonce))
        {
            // A retransmitted initiation: answer with the same response, do no new work.
            Transmit(existing.ResponseDatagram, from);
            return Verdict.Accepted;
        }

        if (_halfOpen.Count >= _options.CookieThreshold)
        {
            var address = from.Buffer.Span[..from.Size];
            if (init.Cookie.Length == 0 || !_cookies.Check(address, init.Nonce, init.Cookie, now))
            {
                Span<byte> reply = stackalloc byte[PacketHeader.Size + CookieReply.Size];
                new PacketHeader(PacketHeader.CurrentVersion, PacketType.Cookie, init.SenderConnectionId, 0).WriteTo(reply);
                _cookies.Make(address, init.Nonce, now, reply[PacketHeader.Size..]);
                Transmit(reply, from);
                return Verdict.OverLimit;
            }
        }

        if (_halfOpen.Count >= _options.MaxHalfOpenHandshakes)
        {
            return Verdict.OverLimit;
        }

        if (_peers.TryGetValue(init.SenderName, out var peer) && peer.Pending is not null)
        {
            // Both sides initiated at once. The lower name keeps its own initiation; the higher one answers.
            if (string.CompareOrdinal(_options.NodeName, init.SenderName) < 0)
            {
                return Verdict.Accepted;
            }

            AbandonHandshake(peer);
        }

        using var ephemeral = HandshakeCrypto.CreateEphemeral(out var point);
        if (!HandshakeCrypto.TryAgree(ephemeral, init.EphemeralKey, out var shared))
        {
            return Verdict.Malformed;
        }

        var localId = NewConnectionId();
        var response = new HandshakeResponse(
            SupportedVersion, _options.Mode, localId, _instance, RandomNumberGenerator.GetBytes(HandshakeInitiation.NonceSize),
            point, _options.NodeName, []);
        var unsealed = new byte[PacketHeader.Size + response.UnsealedLength];
        new PacketHeader(PacketHeader.CurrentVersion, PacketType.Response, init.SenderConnectionId, 0).WriteTo(unsealed);
        response.WriteUnsealedTo(unsealed.AsSpan(PacketHeader.Size));
        var transcript = HandshakeCrypto.Transcript(datagram, unsealed);
        var secrets = HandshakeCrypto.Derive(shared, _preSharedKey, transcript);
        CryptographicOperations.ZeroMemory(shared);
        var sealedProof = HandshakeCrypto.SealProof(secrets.ResponderProofKey, transcript, Proof(HandshakeCrypto.ResponderSigned(transcript)));
        byte[] responseDatagram = [.. unsealed, .. sealedProof];
        var fromCopy = CopyAddress(from);
        var handshake = new ResponderHandshake(
            localId, init.SenderConnectionId, init.SenderInstance, init.SenderName, fromCopy, ToEndPoint(fromCopy),
            init.Nonce, transcript, secrets, responseDatagram, sealedProof, now + HandshakeLifetime);
        if (_halfOpenByInitiator.Remove(init.SenderConnectionId, out var replaced))
        {
            _halfOpen.Remove(replaced.LocalId);
        }

        _halfOpen[localId] = handshake;
        _halfOpenByInitiator[init.SenderConnectionId] = handshake;
        Transmit(responseDatagram, from);
        return Verdict.Accepted;
    }

    private Verdict OnCookie(PacketHeader header, ReadOnlySpan<byte> datagram, SocketAddress from, long now)
    {
        if (!CookieReply.TryRead(datagram[PacketHeader.Size..], out var reply))
        {
            return Verdict.Malformed;
        }

        if (!_pendingInitiations.TryGetValue(header.ConnectionId, out var peer) || peer.Pending is not { } pending
            || !from.Equals(peer.Address))
        {
            return Verdict.Unauthenticated;
        }

        // A newer cookie replaces an older one (the responder's secret rotates). A forged one can only delay us,
        // which a LAN attacker can do anyway; the repeat is no larger than what we sent before.

        pending.Cookie = new byte[CookieReply.CookieSize];
        reply.CopyCookieTo(pending.Cookie);
        SendInitiation(peer, pending, now);
        return Verdict.Accepted;
    }

    private Verdict OnResponse(PacketHeader header, ReadOnlySpan<byte> datagram, SocketAddress from, long now)
    {
        if (!HandshakeResponse.TryRead(datagram[PacketHeader.Size..], out var response))
        {
            return Verdict.Malformed;
        }

        if (!_pendingInitiations.TryGetValue(header.ConnectionId, out var peer) || peer.Pending is not { } pending)
        {
            if (_sessions.TryGetValue(header.ConnectionId, out var session) && session.IsInitiator && session.RetiredAt == 0)
            {
                // The responder repeated its response (our initiation was resent): the session exists; repeat
                // the confirmation if it is still unconfirmed, otherwise this is a stale copy.
                if (session.Confirmed)
                {
                    return Verdict.Replayed;
                }

                Transmit(session.ConfirmDatagram, session.Peer.Address);
                return Verdict.Accepted;
            }

            return Verdict.Unauthenticated;
        }

        if (response!.Version != SupportedVersion || response.Mode != _options.Mode || response.SenderConnectionId == 0)
        {
            return Verdict.Malformed;
        }

        if (!string.Equals(response.SenderName, peer.Name, StringComparison.Ordinal))
        {
            return Verdict.Unauthenticated;
        }

        if (!HandshakeCrypto.TryAgree(pending.Ephemeral, response.EphemeralKey, out var shared))
        {
            return Verdict.Malformed;
        }

        var unsealedLength = PacketHeader.Size + response.UnsealedLength;
        var transcript = HandshakeCrypto.Transcript(pending.Datagram, datagram[..unsealedLength]);
        var secrets = HandshakeCrypto.Derive(shared, _preSharedKey, transcript);
        CryptographicOperations.ZeroMemory(shared);
        if (!HandshakeCrypto.TryOpenProof(secrets.ResponderProofKey, transcript, response.SealedProof, out var proof)
            || !CheckProof(proof, HandshakeCrypto.ResponderSigned(transcript), out var fingerprint, out var context))
        {
            return Verdict.Unauthenticated;
        }

        if (!_options.TrustPolicy.IsAcceptableIdentity(peer.Name, fingerprint))
        {
            _options.Log?.Invoke($"transport: {peer.Name} presented key {fingerprint}, which is not the pinned one");
            FailAll(peer, new TransportException(TransportFailure.Rejected, $"{peer.Name} presented a key that does not match its pinned fingerprint"), now);
            AbandonHandshake(peer);
            return Verdict.Untrusted;
        }

        var confirmProof = Proof(HandshakeCrypto.InitiatorSigned(transcript, response.SealedProof));
        var sealedProof = HandshakeCrypto.SealProof(secrets.InitiatorProofKey, transcript, confirmProof);
        var confirm = new byte[PacketHeader.Size + sealedProof.Length];
        new PacketHeader(PacketHeader.CurrentVersion, PacketType.Confirm, response.SenderConnectionId, 0).WriteTo(confirm);
        sealedProof.CopyTo(confirm, PacketHeader.Size);

        if (!context.AsSpan().SequenceEqual(_options.ApplicationContext))
        {
            // The peer is who it says, but runs something else: no session. The Confirm still goes out (once) so the
            // responder learns our context, authenticated, and refuses us in turn instead of waiting for a timeout.
            Transmit(confirm, from);
            OnContextMismatch(peer.Name, fingerprint, context);
            FailAll(peer, new TransportException(TransportFailure.ContextMismatch, $"{peer.Name} runs another task (its handshake carried another task signature)"), now);
            AbandonHandshake(peer);
            return Verdict.Untrusted;
        }

        var newSession = new Session(
            peer, pending.LocalId, response.SenderConnectionId, isInitiator: true,
            new PacketProtection(secrets.InitiatorToResponder, secrets.ResponderToInitiator), response.SenderInstance)
        {
            ConfirmDatagram = confirm,
        };
        if (!from.Equals(peer.Address))
        {
            peer.Address = CopyAddress(from);
            peer.EndPoint = ToEndPoint(peer.Address);
        }

        InstallSession(peer, newSession, fingerprint, _options.TrustPolicy.MayDeliver(peer.Name, fingerprint), now);
        ResendConfirm(peer, newSession, now);
        return Verdict.Accepted;
    }

    private void ResendConfirm(Peer peer, Session session, long now)
    {
        session.ConfirmAttempts++;
        if (session.ConfirmAttempts > 12)
        {
            // The responder never answered our confirmation: start over with a fresh handshake.
            session.RetiredAt = now;
            peer.Session = null;
            if (peer.HasWork)
            {
                StartHandshake(peer, now);
            }

            return;
        }

        session.ConfirmResendAt = now + Math.Min(100 * Millisecond << Math.Min(session.ConfirmAttempts - 1, 4), Stopwatch.Frequency);
        Transmit(session.ConfirmDatagram, peer.Address);
    }

    private Verdict OnConfirm(PacketHeader header, ReadOnlySpan<byte> datagram, SocketAddress from, long now)
    {
        if (header.PacketNumber != 0 || !HandshakeConfirm.TryRead(datagram[PacketHeader.Size..], out var confirm))
        {
            return Verdict.Malformed;
        }

        if (!_halfOpen.TryGetValue(header.ConnectionId, out var handshake))
        {
            if (_sessions.TryGetValue(header.ConnectionId, out var session) && !session.IsInitiator && session.RetiredAt == 0)
            {
                // Our answer to the first confirmation was lost: answer again so the initiator can start.
                SendPing(session);
                return Verdict.Accepted;
            }

            return Verdict.Unauthenticated;
        }

        if (!HandshakeCrypto.TryOpenProof(handshake.Secrets.InitiatorProofKey, handshake.Transcript, confirm!.SealedProof, out var proof)
            || !CheckProof(proof, HandshakeCrypto.InitiatorSigned(handshake.Transcript, handshake.ResponseSealedProof), out var fingerprint, out var context))
        {
            return Verdict.Unauthenticated;
        }

        RemoveHalfOpen(handshake);
        var trust = _options.TrustPolicy;
        if (!trust.IsAcceptableIdentity(handshake.PeerName, fingerprint) || !trust.MayDeliver(handshake.PeerName, fingerprint))
        {
            _options.Log?.Invoke($"transport: refused a session with untrusted {handshake.PeerName} ({fingerprint ?? "pre-shared key"})");
            return Verdict.Untrusted;
        }

        if (!context.AsSpan().SequenceEqual(_options.ApplicationContext))
        {
            OnContextMismatch(handshake.PeerName, fingerprint, context);
            return Verdict.Untrusted;
        }

        if (!_peers.TryGetValue(handshake.PeerName, out var peer))
        {
            peer = new Peer(handshake.PeerName, handshake.Address, handshake.EndPoint, _options.MaxDatagramSize, _options.MaxCongestionWindow);
            _peers.Add(peer.Name, peer);
            _peerList.Add(peer);
        }
        else
        {
            peer.Address = handshake.Address;
            peer.EndPoint = handshake.EndPoint;
        }

        var newSession = new Session(
            peer, handshake.LocalId, handshake.InitiatorId, isInitiator: false,
            new PacketProtection(handshake.Secrets.ResponderToInitiator, handshake.Secrets.InitiatorToResponder), handshake.InitiatorInstance);
        InstallSession(peer, newSession, fingerprint, mayDeliver: true, now);
        SendPing(newSession);
        return Verdict.Accepted;
    }

    private void InstallSession(Peer peer, Session session, string? fingerprint, bool mayDeliver, long now)
    {
        if (peer.Session is { } old)
        {
            old.RetiredAt = now;
        }

        AbandonHandshake(peer);
        peer.Session = session;
        _sessions[session.LocalId] = session;
        peer.Fingerprint = fingerprint;
        peer.MayDeliver = mayDeliver;
        peer.Congestion.ResetInFlight();
        peer.Retransmit.Clear();
        peer.ProbeTimeoutAt = 0;
        peer.ProbeTimeouts = 0;
        peer.PeerWindow = 256 * 1024;
        if (peer.RemoteInstance != session.RemoteInstance)
        {
            if (peer.RemoteInstance != 0)
            {
                // The peer restarted: whatever it had of our messages is gone, and what we had of its is stale.
                _scratchIds.Clear();
                _scratchIds.AddRange(peer.Incoming.Keys);
                foreach (var id in _scratchIds)
                {
                    DropIncoming(peer, peer.Incoming[id]);
                }

                peer.ResetReceiveState();
                peer.NextMessageId = 1;
                foreach (var message in peer.Outgoing)
                {
                    message.Id = peer.NextMessageId++;
                    message.ForgetAcks();
                }
            }

            peer.RemoteInstance = session.RemoteInstance;
        }

        // Packets in flight belonged to the old session: resend whatever is not acknowledged.
        foreach (var message in peer.Outgoing)
        {
            message.NextNew = 0;
        }

        Counters.OnHandshakeCompleted();
        _options.Log?.Invoke($"transport: session with {peer.Name} at {peer.EndPoint} ({(session.IsInitiator ? "initiator" : "responder")})");
    }

    private void RemoveHalfOpen(ResponderHandshake handshake)
    {
        _halfOpen.Remove(handshake.LocalId);
        if (_halfOpenByInitiator.TryGetValue(handshake.InitiatorId, out var current) && ReferenceEquals(current, handshake))
        {
            _halfOpenByInitiator.Remove(handshake.InitiatorId);
        }
    }

    private void FailAll(Peer peer, TransportException failure, long now)
    {
        for (var i = peer.Outgoing.Count - 1; i >= 0; i--)
        {
            Finish(peer.Outgoing[i], failure, now);
        }
    }

    /// <summary>
    /// Our sealed proof plaintext: the application context (length u8, then its bytes), then, in identity mode, our
    /// key and signature (with a pre-shared key the tag alone proves knowledge of the key).
    /// </summary>
    private byte[] Proof(byte[] signed)
    {
        var context = _options.ApplicationContext;
        if (_options.Mode == AuthMode.PreSharedKey)
        {
            return [(byte)context.Length, .. context];
        }

        var identity = _options.Identity!;
        var proof = new HandshakeProof(identity.PublicKey, identity.Sign(signed));
        var bytes = new byte[1 + context.Length + proof.Length];
        bytes[0] = (byte)context.Length;
        context.CopyTo(bytes, 1);
        proof.WriteTo(bytes.AsSpan(1 + context.Length));
        return bytes;
    }

    /// <summary>
    /// Checks a peer's opened proof and reads the application context it carries; in identity mode the signature
    /// must verify under the key the proof carries.
    /// </summary>
    private bool CheckProof(byte[] plaintext, byte[] signed, out string? fingerprint, out byte[] context)
    {
        fingerprint = null;
        context = [];
        if (plaintext.Length < 1 || plaintext[0] > UdpTransportOptions.MaxApplicationContextSize || plaintext.Length < 1 + plaintext[0])
        {
            return false;
        }

        context = plaintext.AsSpan(1, plaintext[0]).ToArray();
        var rest = plaintext.AsSpan(1 + plaintext[0]);
        if (_options.Mode == AuthMode.PreSharedKey)
        {
            return rest.IsEmpty;
        }

        if (!HandshakeProof.TryRead(rest, out var proof) || !NodeIdentity.Verify(proof!.PublicKey, signed, proof.Signature))
        {
            return false;
        }

        fingerprint = NodeIdentity.ComputeFingerprint(proof.PublicKey);
        return true;
    }

    private void OnContextMismatch(string peer, string? fingerprint, byte[] theirs)
    {
        Counters.OnContextMismatch();
        _options.Log?.Invoke($"transport: refused {peer}: it presented application context {Convert.ToHexStringLower(theirs)}, ours is {Convert.ToHexStringLower(_options.ApplicationContext)}");
        _options.ContextMismatch?.Invoke(peer, fingerprint, theirs);
    }

    private static SocketAddress CopyAddress(SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }

    private static IPEndPoint ToEndPoint(SocketAddress address) =>
        (IPEndPoint)new IPEndPoint(address.Family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(address);
}
