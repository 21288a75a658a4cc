using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Mixing;

/// <summary>
/// Builds the mixing matrix of a trust graph for each scheme. Every row holds node i itself and the peers i
/// trusts (information flows j -> i only when i trusts j), so a node never folds in an untrusted peer.
/// </summary>
public static class MixingWeights
{
    public static MixingMatrix Build(TrustGraph graph, MixingScheme scheme) => scheme switch
    {
        MixingScheme.PushSum => PushSum(graph),
        MixingScheme.MetropolisHastings => MetropolisHastings(graph),
        MixingScheme.RowStochastic => RowStochastic(graph),
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "unknown mixing scheme"),
    };

    /// <summary>
    /// Push-sum (He et al., OPS, arXiv 1910.04956; Kempe et al. 2003): sender j keeps 1/(outdeg(j)+1) and sends
    /// the same share to each follower, so W[i, j] = 1/(outdeg(j)+1) for i = j or i trusting j; every column
    /// sums to one and mass (the sum of x, and of the push-sum weights) is preserved.
    /// </summary>
    public static MixingMatrix PushSum(TrustGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Assemble(graph, MixingScheme.PushSum, (i, j) => 1.0 / (graph.OutDegree(j) + 1));
    }

    /// <summary>
    /// DOL (row-stochastic over in-neighbours): W[i, j] = 1/(indeg(i)+1) for j = i or j trusted by i. Rows sum
    /// to one; on a directed graph columns do not, which biases the consensus value (the problem OPS fixes).
    /// </summary>
    public static MixingMatrix RowStochastic(TrustGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Assemble(graph, MixingScheme.RowStochastic, (i, j) => 1.0 / (graph.InDegree(i) + 1));
    }

    /// <summary>
    /// Metropolis–Hastings (Xiao and Boyd 2004; Lian et al., D-PSGD 2017): W[i, j] = 1/(1+max(deg i, deg j)) for
    /// neighbours, W[i, i] = 1 - sum of the row's off-diagonal entries. Symmetric and doubly stochastic, which
    /// needs a symmetric graph: a directed one is rejected.
    /// </summary>
    public static MixingMatrix MetropolisHastings(TrustGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (!graph.IsSymmetric)
        {
            var (truster, trusted) = FirstOneWay(graph);
            throw new TopologyException(
                "Metropolis-Hastings weights need a symmetric graph, but "
                + $"'{graph.NameOf(truster)}' trusts '{graph.NameOf(trusted)}' and not the other way round; "
                + "use push-sum weights for directed graphs");
        }

        return Assemble(graph, MixingScheme.MetropolisHastings, (i, j) => 1.0 / (1 + Math.Max(graph.InDegree(i), graph.InDegree(j))));
    }

    /// <summary>
    /// Lays out rows (diagonal merged into ascending column order) with off-diagonal weights from
    /// <paramref name="offDiagonal"/>(i, j). The diagonal is the row's rest for Metropolis–Hastings and the
    /// same uniform share otherwise; computing it as 1 - sum would change push-sum's rounding for no gain.
    /// </summary>
    private static MixingMatrix Assemble(TrustGraph graph, MixingScheme scheme, Func<int, int, double> offDiagonal)
    {
        var n = graph.NodeCount;
        var offsets = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            offsets[i + 1] = offsets[i] + graph.InDegree(i) + 1;
        }

        var columns = new int[offsets[n]];
        var values = new double[offsets[n]];
        for (var i = 0; i < n; i++)
        {
            var at = offsets[i];
            var diagonalAt = -1;
            var offSum = 0.0;
            var placedSelf = false;
            foreach (var j in graph.Trusted(i))
            {
                if (!placedSelf && j > i)
                {
                    diagonalAt = at;
                    columns[at++] = i;
                    placedSelf = true;
                }

                var weight = offDiagonal(i, j);
                offSum += weight;
                columns[at] = j;
                values[at++] = weight;
            }

            if (!placedSelf)
            {
                diagonalAt = at;
                columns[at] = i;
            }

            values[diagonalAt] = scheme switch
            {
                MixingScheme.MetropolisHastings => 1.0 - offSum,
                MixingScheme.PushSum => 1.0 / (graph.OutDegree(i) + 1),
                _ => 1.0 / (graph.InDegree(i) + 1),
            };
        }

        return new MixingMatrix(scheme, offsets, columns, values);
    }

    private static (int Truster, int Trusted) FirstOneWay(TrustGraph graph)
    {
        foreach (var (truster, trusted) in graph.TrustRelations())
        {
            if (!graph.Trusts(trusted, truster))
            {
                return (truster, trusted);
            }
        }

        throw new InvalidOperationException("graph is symmetric");
    }
}
