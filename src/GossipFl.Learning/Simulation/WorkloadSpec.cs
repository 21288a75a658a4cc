using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;

namespace GossipFl.Learning.Simulation;

/// <summary>What the peers learn and from which data (the half of a simulation that is not the network).</summary>
/// <param name="Dataset">A <see cref="Data.DatasetCatalog"/> spec.</param>
/// <param name="Model">The libtorch model; must be logistic regression in the online setting (trained in managed code).</param>
/// <param name="Partition">A <see cref="Data.PartitionerCatalog"/> spec (offline setting).</param>
/// <param name="Online">The paper's online setting: per-peer streams with a β clustered fraction, one batch per round.</param>
/// <param name="Beta">Fraction of each peer's stream drawn from its own cluster (online setting).</param>
/// <param name="Nodes">Number of peers.</param>
/// <param name="Rounds">Rounds the streams must cover.</param>
/// <param name="BatchSize">Samples per step.</param>
/// <param name="LearningRate">Plain SGD step size.</param>
/// <param name="Work">Local steps (or epochs) per round.</param>
/// <param name="Seed">Seeds data, partition, initial parameters and data order.</param>
/// <param name="SharedEngine">One libtorch model shared by all peers (parameters swapped per peer) rather than one per peer.</param>
/// <param name="LabelFlipped">Peers that train on flipped labels (the label-flipping attack); null for none.</param>
public sealed record WorkloadSpec(
    string Dataset,
    ModelSpec Model,
    string Partition,
    bool Online,
    double Beta,
    int Nodes,
    int Rounds,
    int BatchSize,
    double LearningRate,
    LocalWork Work,
    ulong Seed,
    bool SharedEngine = true,
    IReadOnlyList<int>? LabelFlipped = null)
{
    /// <summary>Whether peer <paramref name="peer"/> trains on flipped labels.</summary>
    public bool FlipsLabels(int peer) => LabelFlipped?.Contains(peer) == true;
}
