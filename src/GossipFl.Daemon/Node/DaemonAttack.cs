using GossipFl.Learning.Robustness;

namespace GossipFl.Daemon.Node;

/// <summary>
/// A daemon started as a Byzantine peer for tests (<c>gossipfl start --attack KIND</c>, hidden from help): every
/// share it sends carries the attack's vector instead of its model, over the real transport. Sign flipping and
/// Gaussian noise need nothing but the daemon's own vector; label flipping is in its data (the learner is built on
/// flipped labels); ALIE needs every honest vector of a round, which a daemon does not have, and is refused.
/// </summary>
internal sealed class DaemonAttack
{
    private readonly Lock _lock = new();
    private readonly float[] _vector;
    private long _round = -1;

    public DaemonAttack(AttackKind kind, ulong seed, int node, int parameterCount)
    {
        if (kind == AttackKind.Alie)
        {
            throw new DaemonConfigurationException("--attack alie needs every honest peer's vector of a round; a daemon has only its own (use gossipfl simulate --attack alie:F)");
        }

        Kind = kind;
        Seed = seed;
        Node = node;
        _vector = new float[parameterCount];
    }

    public AttackKind Kind { get; }

    public ulong Seed { get; }

    public int Node { get; }

    /// <summary>Whether shares are rewritten (label flipping sends its honestly trained model).</summary>
    public bool RewritesShares => Kind is AttackKind.SignFlip or AttackKind.Gaussian;

    /// <summary>The vector to send in round <paramref name="round"/> in place of <paramref name="honest"/> (one per round, shared by its sends).</summary>
    public ReadOnlyMemory<float> Apply(long round, ReadOnlyMemory<float> honest)
    {
        if (!RewritesShares)
        {
            return honest;
        }

        lock (_lock)
        {
            if (_round != round)
            {
                if (Kind == AttackKind.SignFlip)
                {
                    Attacks.SignFlip(honest.Span, _vector);
                }
                else
                {
                    Attacks.Gaussian(_vector, Seed, round, Node);
                }

                _round = round;
            }

            // A copy: the transport may still be reading last round's vector when the next one is made.
            return _vector.ToArray();
        }
    }
}
