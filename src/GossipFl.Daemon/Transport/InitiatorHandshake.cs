using System.Security.Cryptography;

namespace GossipFl.Daemon.Transport;

/// <summary>An initiation we sent and are waiting to have answered.</summary>
internal sealed class InitiatorHandshake : IDisposable
{
    public InitiatorHandshake(ulong localId, ECDiffieHellman ephemeral, byte[] ephemeralPoint, byte[] nonce, long now)
    {
        LocalId = localId;
        Ephemeral = ephemeral;
        EphemeralPoint = ephemeralPoint;
        Nonce = nonce;
        StartedAt = now;
    }

    public ulong LocalId { get; }

    public ECDiffieHellman Ephemeral { get; }

    public byte[] EphemeralPoint { get; }

    public byte[] Nonce { get; }

    public long StartedAt { get; }

    public byte[] Cookie { get; set; } = [];

    /// <summary>The exact initiation datagram last sent: it is the first part of the transcript.</summary>
    public byte[] Datagram { get; set; } = [];

    public int Attempts { get; set; }

    public long ResendAt { get; set; }

    public void Dispose() => Ephemeral.Dispose();
}
