using GossipFl.Learning.Compression;

namespace GossipFl.Learning.Algorithms;

/// <summary>
/// What a node sends a follower in one round of compressed gossip (<see cref="CompressedGossipNode"/>): the encoded
/// change q = C(x − x̂) of its public estimate, the same bytes to every follower, and, for push-sum, its weight share
/// as an exact double.
/// </summary>
/// <param name="From">Sender's node index.</param>
/// <param name="To">Receiver's node index.</param>
/// <param name="Round">The sender's round.</param>
/// <param name="Codec">The codec that wrote <paramref name="Payload"/>; a receiver with another one refuses it.</param>
/// <param name="Share">Push-sum: the column entry the sender gives the receiver; 1 for row-stochastic schemes.</param>
/// <param name="Weight">Push-sum: Share x sender's weight; 0 otherwise.</param>
/// <param name="Payload">The encoded change; valid until the sender's next round.</param>
public readonly record struct CompressedGossipMessage(int From, int To, long Round, CodecKind Codec, double Share, double Weight, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Bytes besides the payload: <see cref="GossipMessage.HeaderBytes"/> and one codec byte.</summary>
    public const int HeaderBytes = GossipMessage.HeaderBytes + 1;

    /// <summary>Bytes this message takes on the wire (comparable with <see cref="GossipMessage.WireBytes"/>).</summary>
    public long WireBytes => HeaderBytes + (long)Payload.Length;
}
