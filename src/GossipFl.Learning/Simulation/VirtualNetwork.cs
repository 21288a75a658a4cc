using GossipFl.Learning.Data;

namespace GossipFl.Learning.Simulation;

/// <summary>
/// Seeded loss, delay and churn. Every decision is a hash of (seed, purpose, round, sender, receiver), not a
/// draw from a shared stream, so it does not depend on the order in which messages are handled or on threads:
/// the same seed always loses the same messages and takes down the same peers.
/// </summary>
public sealed class VirtualNetwork
{
    private const ulong LossSalt = 0x4C6F73734C6F7373UL;
    private const ulong DelaySalt = 0x44656C6179446C79UL;
    private const ulong ChurnSalt = 0x436875726E436875UL;

    private readonly ulong _seed;
    private readonly bool[] _alive;
    private long _churnRound;

    public VirtualNetwork(NetworkConditions conditions, int nodeCount, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        conditions.Validate();
        Conditions = conditions;
        _seed = seed;
        _alive = new bool[nodeCount];
        Array.Fill(_alive, true);
    }

    public NetworkConditions Conditions { get; }

    /// <summary>Which peers are up in the round last passed to <see cref="AdvanceTo"/> (all up in round 0).</summary>
    public ReadOnlySpan<bool> Alive => _alive;

    /// <summary>
    /// Applies churn for every round up to <paramref name="round"/>: in each round r ≥ 1 a live peer leaves with
    /// the churn probability and a departed one returns with probability 1/mean downtime.
    /// </summary>
    public void AdvanceTo(long round)
    {
        if (Conditions.ChurnProbability == 0)
        {
            _churnRound = round;
            return;
        }

        var rejoin = 1.0 / Conditions.MeanDowntimeRounds;
        while (_churnRound < round)
        {
            _churnRound++;
            for (var node = 0; node < _alive.Length; node++)
            {
                var u = Uniform(ChurnSalt, _churnRound, node, node);
                _alive[node] = _alive[node] ? u >= Conditions.ChurnProbability : u < rejoin;
            }
        }
    }

    /// <summary>True when the message of <paramref name="round"/> from <paramref name="from"/> to <paramref name="to"/> is lost.</summary>
    public bool IsLost(long round, int from, int to) =>
        Conditions.LossProbability > 0 && Uniform(LossSalt, round, from, to) < Conditions.LossProbability;

    /// <summary>Rounds that message is late: uniform on 0..MaxDelayRounds.</summary>
    public int DelayOf(long round, int from, int to) => Conditions.MaxDelayRounds == 0
        ? 0
        : (int)Math.Min(Conditions.MaxDelayRounds, Math.Floor(Uniform(DelaySalt, round, from, to) * (Conditions.MaxDelayRounds + 1)));

    private double Uniform(ulong salt, long round, int a, int b)
    {
        var state = _seed ^ salt;
        state ^= Xoshiro256StarStar.SplitMix64(ref state) + unchecked((ulong)round);
        state ^= Xoshiro256StarStar.SplitMix64(ref state) + unchecked((ulong)(uint)a);
        state ^= Xoshiro256StarStar.SplitMix64(ref state) + unchecked((ulong)(uint)b);
        return (Xoshiro256StarStar.SplitMix64(ref state) >> 11) * (1.0 / 9007199254740992.0);
    }
}
