namespace GossipFl.Topology.Mixing;

/// <summary>How a node weighs its own model against its peers'. Values are stable (they may be persisted).</summary>
public enum MixingScheme
{
    /// <summary>Push-sum (OPS, SGP): a sender splits its mass uniformly over itself and its followers; column-stochastic.</summary>
    PushSum = 0,

    /// <summary>Metropolis–Hastings (D-PSGD): symmetric and doubly stochastic; symmetric graphs only.</summary>
    MetropolisHastings = 1,

    /// <summary>DOL: a receiver averages itself and the peers it trusts uniformly; row-stochastic.</summary>
    RowStochastic = 2,
}
