using GossipFl.Topology.Mixing;
using MathNet.Numerics.LinearAlgebra;

namespace GossipFl.Topology.Analysis;

/// <summary>
/// Eigenvalues of a mixing matrix by dense methods: for symmetric matrices (Metropolis–Hastings) our own
/// eigenvalues-only Householder + QL (<see cref="SymmetricEigenvalues"/>, about (4/3)n^3 flops); otherwise
/// MathNet.Numerics' general eigen-decomposition (Hessenberg + shifted QR, managed provider, about 10n^3
/// flops plus eigenvectors it always computes). Both are O(n^3) time and O(n^2) memory, so analysis is
/// bounded by a node limit; docs/benchmarks.md records what 2,000 nodes cost.
/// </summary>
public static class SpectralAnalysis
{
    /// <summary>Default bound on the matrix size analysed (see docs/benchmarks.md for measured times).</summary>
    public const int DefaultMaxNodes = 2_000;

    /// <summary>
    /// The largest and second-largest eigenvalue moduli; the largest is 1 for any stochastic matrix. The SLEM
    /// predicts the speed of consensus only on a strongly connected graph. Otherwise it can mislead: with
    /// several closed components eigenvalue 1 repeats (SLEM = 1), but with a single sink component (nodes
    /// that only send into it) it stays below 1 although push-sum mass drains into the sink and the senders
    /// never agree with it. <see cref="TopologyReport"/> therefore ties the gap to strong connectivity.
    /// </summary>
    public static SpectralResult Analyze(MixingMatrix matrix, int maxNodes = DefaultMaxNodes)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.Size > maxNodes)
        {
            throw new TopologyException(
                $"spectral analysis of {matrix.Size} nodes exceeds the limit of {maxNodes} (dense O(n^3) eigen-decomposition)");
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (matrix.Size == 1)
        {
            return new SpectralResult(1.0, 0.0, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }

        var dense = matrix.ToDense();
        var moduli = Moduli(dense, matrix.Scheme == MixingScheme.MetropolisHastings);
        Array.Sort(moduli);
        Array.Reverse(moduli);
        // Rounding leaves the Perron eigenvalue a hair off 1 and can push SLEM a hair above it; clamp so the
        // gap is never negative for a matrix that is stochastic within tolerance.
        var slem = Math.Min(moduli[1], 1.0);
        return new SpectralResult(moduli[0], slem, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    private static double[] Moduli(Matrix<double> dense, bool symmetric)
    {
        if (symmetric)
        {
            var values = SymmetricEigenvalues.Compute(dense.ToRowMajorArray(), dense.RowCount);
            return [.. values.Select(Math.Abs)];
        }

        var evd = dense.Evd(Symmetricity.Asymmetric);
        var eigenvalues = evd.EigenValues;
        var moduli = new double[eigenvalues.Count];
        for (var i = 0; i < moduli.Length; i++)
        {
            moduli[i] = eigenvalues[i].Magnitude;
        }

        return moduli;
    }
}
