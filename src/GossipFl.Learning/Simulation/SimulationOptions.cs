using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Robustness;
using GossipFl.Learning.Compression;
using GossipFl.Learning.Privacy;

namespace GossipFl.Learning.Simulation;

/// <summary>How a simulation runs (the learners carry the model, data and learning rate).</summary>
/// <param name="Algorithm">A gossip algorithm or FedAvg (centralized runs use <see cref="CentralizedSimulation"/>).</param>
/// <param name="Rounds">Synchronous rounds to run.</param>
/// <param name="Seed">Seeds the network's loss, delay and churn and FedAvg's client draw.</param>
/// <param name="Network">Loss, delay and churn.</param>
/// <param name="EvalEvery">Evaluate test accuracy every this many rounds (and always on the last); 0 only on the last.</param>
/// <param name="Threads">Worker threads for training (thread-safe learners only) and folding.</param>
/// <param name="ParallelTraining">Whether learners may train concurrently (false for a shared libtorch engine).</param>
/// <param name="ClientFraction">FedAvg's C: the fraction of live peers chosen each round.</param>
/// <param name="ReclaimLostShares">
/// Senders learn at once which of their messages were not delivered (as over an acknowledging transport) and
/// push-sum takes those shares back; otherwise a lost share is lost mass.
/// </param>
/// <param name="Aggregation">How nodes (gossip) or the coordinator (FedAvg) combine what they receive; null is the plain mean.</param>
/// <param name="Attack">The Byzantine attack some peers run, or null.</param>
/// <param name="Attackers">The attacking peers (ascending); null draws them from <see cref="Attack"/> and the seed.</param>
/// <param name="Compression">
/// The codec of what peers send (null or none: uncompressed). Gossip then runs <see cref="CompressedGossipNode"/>
/// (CHOCO-SGD for D-PSGD, compressed push-sum for OPS); FedAvg compresses the clients' updates with error feedback.
/// </param>
/// <param name="ConsensusStep">Compressed gossip's γ; null: <see cref="CodecSpec.DefaultConsensusStep"/>.</param>
/// <param name="Privacy">
/// Peer-level DP on every peer's update (null: none). The simulator's noise is always seeded, from the spec's seed or
/// else <see cref="Seed"/>, so runs repeat; a calibrated σ (an ε target) is calibrated over <see cref="Rounds"/> rounds.
/// </param>
public sealed record SimulationOptions(
    AlgorithmKind Algorithm,
    int Rounds,
    ulong Seed,
    NetworkConditions Network,
    int EvalEvery,
    int Threads = 1,
    bool ParallelTraining = false,
    double ClientFraction = 1.0,
    bool ReclaimLostShares = false,
    AggregationSpec? Aggregation = null,
    AttackSpec? Attack = null,
    IReadOnlyList<int>? Attackers = null,
    CodecSpec? Compression = null,
    double? ConsensusStep = null,
    PrivacySpec? Privacy = null)
{
    /// <summary>Whether messages are compressed (a codec other than none).</summary>
    public bool Compressed => Compression is { IsNone: false };

    /// <summary>γ as given, or the codec's default.</summary>
    public double EffectiveConsensusStep => ConsensusStep ?? (Compression ?? CodecSpec.None).DefaultConsensusStep;

    public bool IsEvaluationRound(long round) =>
        round == Rounds - 1 || (EvalEvery > 0 && (round + 1) % EvalEvery == 0);
}
