namespace GossipFl.Daemon.Protocol;

/// <summary>The kind of a transport datagram, carried in <see cref="PacketHeader.Type"/>. Values are wire values: never renumber.</summary>
public enum PacketType : byte
{
    /// <summary>Handshake, initiator to responder: ephemeral key, nonce, names, supported versions.</summary>
    Initiation = 1,

    /// <summary>Handshake, responder to initiator: ephemeral key, nonce, name, sealed proof of identity.</summary>
    Response = 2,

    /// <summary>Handshake, initiator to responder: sealed proof of the initiator's identity.</summary>
    Confirm = 3,

    /// <summary>Responder under load asks the initiator to repeat its initiation with this cookie.</summary>
    Cookie = 4,

    /// <summary>An AEAD-protected packet of frames within an established session.</summary>
    Data = 5,
}
