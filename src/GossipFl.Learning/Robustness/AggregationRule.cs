namespace GossipFl.Learning.Robustness;

/// <summary>How a node combines the vectors it receives (docs/algorithms.md, "Byzantine-robust aggregation").</summary>
public enum AggregationRule
{
    /// <summary>The plain (weighted) average: FedAvg's and every gossip scheme's rule, bit-identical to the unrobust code.</summary>
    Mean = 0,

    /// <summary>FedAvg: coordinate-wise median of the client models (Yin et al. 2018).</summary>
    Median = 1,

    /// <summary>FedAvg: coordinate-wise mean after dropping the F largest and F smallest values (Yin et al. 2018).</summary>
    TrimmedMean = 2,

    /// <summary>FedAvg: multi-Krum (Blanchard et al. 2017): average the n − F clients with the smallest Krum scores.</summary>
    Krum = 3,

    /// <summary>Gossip: self-centered clipping (He, Karimireddy and Jaggi 2022): each neighbour's difference clipped to τ.</summary>
    Clipped = 4,

    /// <summary>FedAvg: each client's update (its model minus the global model) clipped to norm C, then averaged.</summary>
    NormBound = 5,
}
