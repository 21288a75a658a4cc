namespace GossipFl.Learning.Robustness;

/// <summary>What a Byzantine peer does (docs/algorithms.md, "Attacks"). Test and experiment tooling only.</summary>
public enum AttackKind
{
    /// <summary>Sends the negation of the vector an honest peer would send: −x.</summary>
    SignFlip = 0,

    /// <summary>Sends independent N(0, σ²) values, σ = <see cref="Attacks.GaussianStd"/>.</summary>
    Gaussian = 1,

    /// <summary>Trains honestly on labels flipped y → classes − 1 − y and sends that model.</summary>
    LabelFlip = 2,

    /// <summary>"A little is enough" (Baruch, Baruch and Goldberg, NeurIPS 2019): mean − z·std of the honest vectors.</summary>
    Alie = 3,
}
