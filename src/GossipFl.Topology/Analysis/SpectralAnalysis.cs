using GossipFl.Topology.Mixing;
using MathNet.Numerics.LinearAlgebra;

namespace GossipFl.Topology.Analysis;

/// <summary>
/// Eigenvalues of a mixing matrix by dense methods, choosing the cheapest exact one:
/// <list type="bullet">
/// <item>Metropolis–Hastings matrices are symmetric: our eigenvalues-only Householder + QL
/// (<see cref="SymmetricEigenvalues"/>, about (4/3)n^3 flops).</item>
/// <item>Push-sum and DOL matrices on a symmetric graph are not symmetric, but W = A D^-1 (push-sum) and
/// W = D^-1 A (DOL), with A the symmetric adjacency plus self-loops and D the diagonal of degrees + 1, are
/// similar to the symmetric D^-1/2 A D^-1/2, whose entries are sqrt(W[i,j] W[j,i]); same eigenvalues,
/// same cheap solver.</item>
/// <item>Directed graphs: MathNet.Numerics' general eigen-decomposition (Hessenberg + shifted QR, managed
/// provider, about 10n^3 flops, and it always computes eigenvectors too).</item>
/// </list>
/// All are O(n^3) time and O(n^2) memory, so analysis is bounded by a node limit; docs/benchmarks.md
/// records what 2,000 nodes cost.
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
            return new SpectralResult(1.0, 0.0, System.Diagnostics.Stopwatch.GetElapsedTime(started)) { Method = SpectralMethod.Trivial };
        }

        double[] moduli;
        SpectralMethod method;
        if (matrix.Scheme == MixingScheme.MetropolisHastings)
        {
            moduli = Abs(SymmetricEigenvalues.Compute(matrix.ToDense().ToRowMajorArray(), matrix.Size));
            method = SpectralMethod.Symmetric;
        }
        else if (HasSymmetricPattern(matrix))
        {
            moduli = Abs(SymmetricEigenvalues.Compute(Symmetrised(matrix), matrix.Size));
            method = SpectralMethod.Symmetrised;
        }
        else
        {
            var eigenvalues = matrix.ToDense().Evd(Symmetricity.Asymmetric).EigenValues;
            moduli = [.. eigenvalues.Select(z => z.Magnitude)];
            method = SpectralMethod.General;
        }

        Array.Sort(moduli);
        Array.Reverse(moduli);
        // Rounding leaves the Perron eigenvalue a hair off 1 and can push SLEM a hair above it; clamp so the
        // gap is never negative for a matrix that is stochastic within tolerance.
        var slem = Math.Min(moduli[1], 1.0);
        return new SpectralResult(moduli[0], slem, System.Diagnostics.Stopwatch.GetElapsedTime(started)) { Method = method };
    }

    private static double[] Abs(double[] values) => [.. values.Select(Math.Abs)];

    private static bool HasSymmetricPattern(MixingMatrix matrix)
    {
        for (var i = 0; i < matrix.Size; i++)
        {
            foreach (var j in matrix.RowColumns(i))
            {
                if (matrix[j, i] == 0.0)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Row-major sqrt(W[i,j] W[j,i]): the symmetric matrix diagonally similar to W (see the class remarks).</summary>
    private static double[] Symmetrised(MixingMatrix matrix)
    {
        var n = matrix.Size;
        var dense = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            var columns = matrix.RowColumns(i);
            var values = matrix.RowValues(i);
            for (var k = 0; k < columns.Length; k++)
            {
                var j = columns[k];
                dense[(i * n) + j] = Math.Sqrt(values[k] * matrix[j, i]);
            }
        }

        return dense;
    }
}
