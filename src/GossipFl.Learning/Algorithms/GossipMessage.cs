namespace GossipFl.Learning.Algorithms;

/// <summary>
/// What one node sends another in one round, the same value whether a virtual network or UDP carries it.
/// The receiver adds <see cref="Share"/> x <see cref="Values"/> (times its own receive weight, see
/// <see cref="MixingPlan"/>) to its parameters and <see cref="Weight"/> to its push-sum weight.
/// </summary>
/// <param name="From">Sender's node index.</param>
/// <param name="To">Receiver's node index.</param>
/// <param name="Round">The sender's round when it sent.</param>
/// <param name="Share">
/// The fraction of its mass the sender gives the receiver (push-sum's column entry); 1 for row-stochastic
/// schemes, where the receiver decides the weight. For FedAvg replies it is the client's sample count.
/// </param>
/// <param name="Weight">The push-sum weight share (Share x sender's weight); 0 where the scheme has no weights.</param>
/// <param name="Values">
/// The sender's parameter vector, unscaled. It stays valid until the sender's next round; a carrier that keeps it
/// longer (a delayed link) must copy it.
/// </param>
public readonly record struct GossipMessage(int From, int To, long Round, double Share, double Weight, ReadOnlyMemory<float> Values)
{
    /// <summary>Bytes of a message besides its values: from, to, round, share, weight (a wire-size estimate).</summary>
    public const int HeaderBytes = 4 + 4 + 8 + 8 + 8;

    /// <summary>Bytes this message would take on the wire (header plus four bytes per value).</summary>
    public long WireBytes => HeaderBytes + (4L * Values.Length);
}
