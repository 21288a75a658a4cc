using System.Globalization;
using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Mixing;

/// <summary>
/// Verifies that a mixing matrix has the properties its scheme promises: non-negative entries, a diagonal,
/// support only where trust exists, and the right row/column sums and symmetry, each within a tolerance.
/// </summary>
public static class MixingMatrixChecker
{
    public const double DefaultTolerance = 1e-12;

    /// <summary>Every violated property, described; empty when the matrix is what it claims to be.</summary>
    public static IReadOnlyList<string> Verify(MixingMatrix matrix, TrustGraph graph, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(graph);
        var problems = new List<string>();
        var n = matrix.Size;
        if (n != graph.NodeCount)
        {
            problems.Add($"matrix has size {n} but the graph has {graph.NodeCount} nodes");
            return problems;
        }

        var columnSums = new double[n];
        for (var i = 0; i < n; i++)
        {
            var columns = matrix.RowColumns(i);
            var values = matrix.RowValues(i);
            var rowSum = 0.0;
            var hasDiagonal = false;
            for (var k = 0; k < columns.Length; k++)
            {
                var j = columns[k];
                var w = values[k];
                rowSum += w;
                columnSums[j] += w;
                hasDiagonal |= j == i;
                if (!(w >= 0) || !double.IsFinite(w))
                {
                    problems.Add(Describe($"W[{i},{j}] = {w:R} is not a finite non-negative weight"));
                }

                if (j != i && !graph.Trusts(i, j))
                {
                    problems.Add(Describe($"W[{i},{j}] = {w:R} but node {i} does not trust node {j}"));
                }

                if (matrix.Scheme == MixingScheme.MetropolisHastings && Math.Abs(w - matrix[j, i]) > tolerance)
                {
                    problems.Add(Describe($"W[{i},{j}] = {w:R} differs from W[{j},{i}] = {matrix[j, i]:R}: not symmetric"));
                }
            }

            if (!hasDiagonal || matrix[i, i] <= 0)
            {
                problems.Add($"node {i} keeps no share of its own model (W[{i},{i}] = 0)");
            }

            if (matrix.Scheme != MixingScheme.PushSum && Math.Abs(rowSum - 1.0) > tolerance)
            {
                problems.Add(Describe($"row {i} sums to {rowSum:R}, not 1"));
            }
        }

        if (matrix.Scheme != MixingScheme.RowStochastic)
        {
            for (var j = 0; j < n; j++)
            {
                if (Math.Abs(columnSums[j] - 1.0) > tolerance)
                {
                    problems.Add(Describe($"column {j} sums to {columnSums[j]:R}, not 1"));
                }
            }
        }

        return problems;
    }

    private static string Describe(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
