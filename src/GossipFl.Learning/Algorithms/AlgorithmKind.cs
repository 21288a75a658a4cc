namespace GossipFl.Learning.Algorithms;

/// <summary>The training algorithms a simulation or a daemon can run (docs/algorithms.md defines each).</summary>
public enum AlgorithmKind
{
    /// <summary>Online Push-Sum (He et al., arXiv 1910.04956, Algorithm 1): column-stochastic, for directed graphs.</summary>
    PushSum,

    /// <summary>D-PSGD (Lian et al., arXiv 1705.09056): Metropolis-Hastings weights, symmetric graphs only.</summary>
    DPsgd,

    /// <summary>DOL, the OPS paper's row-stochastic baseline: biased on directed graphs.</summary>
    Dol,

    /// <summary>FedAvg (McMahan et al., arXiv 1602.05629) with a coordinator role.</summary>
    FedAvg,

    /// <summary>One model trained on the pooled data: the reference every experiment is compared to.</summary>
    Centralized,
}
