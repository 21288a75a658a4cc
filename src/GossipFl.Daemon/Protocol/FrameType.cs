namespace GossipFl.Daemon.Protocol;

/// <summary>The first byte of every frame inside a decrypted <see cref="PacketType.Data"/> packet. Wire values: never renumber.</summary>
public enum FrameType : byte
{
    /// <summary>One fragment of a message; always the last frame of its packet (its data runs to the end).</summary>
    Fragment = 1,

    /// <summary>Selective acknowledgement of packet numbers plus the receive window.</summary>
    Ack = 2,

    /// <summary>The sender abandoned a message: the receiver frees its partial reassembly.</summary>
    Cancel = 3,

    /// <summary>One byte, no body: asks for an acknowledgement (used to confirm a fresh session).</summary>
    Ping = 4,
}
