using System.Net;
using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Transport;

/// <summary>A half-open handshake on the responder: we answered an initiation and wait for its confirmation.</summary>
internal sealed record ResponderHandshake(
    ulong LocalId,
    ulong InitiatorId,
    ulong InitiatorInstance,
    string PeerName,
    SocketAddress Address,
    IPEndPoint EndPoint,
    byte[] InitiatorNonce,
    byte[] Transcript,
    SessionSecrets Secrets,
    byte[] ResponseDatagram,
    byte[] ResponseSealedProof,
    long ExpiresAt);
