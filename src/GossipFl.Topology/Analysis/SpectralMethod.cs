namespace GossipFl.Topology.Analysis;

/// <summary>Which exact method <see cref="SpectralAnalysis"/> used; they differ in cost, not in the answer.</summary>
public enum SpectralMethod
{
    /// <summary>A single node: nothing to compute.</summary>
    Trivial = 0,

    /// <summary>Symmetric matrix: Householder + QL, eigenvalues only.</summary>
    Symmetric = 1,

    /// <summary>Diagonally similar to a symmetric matrix (push-sum or DOL on a symmetric graph): same solver.</summary>
    Symmetrised = 2,

    /// <summary>General matrix: MathNet's Hessenberg + QR eigen-decomposition.</summary>
    General = 3,
}
