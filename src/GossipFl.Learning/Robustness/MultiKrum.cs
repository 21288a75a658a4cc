namespace GossipFl.Learning.Robustness;

/// <summary>
/// Multi-Krum (Blanchard, El Mhamdi, Guerraoui and Stainer, "Machine Learning with Adversaries: Byzantine Tolerant
/// Gradient Descent", NeurIPS 2017). Each of the n models gets a score, the sum of squared distances to its
/// n − F − 2 nearest other models; the m = n − F models with the lowest scores are averaged, weighted by their
/// sample counts (FedAvg's weights, applied only among the selected: a liar about its count must first pass the
/// distance test, and then moves the average by at most its distance to the honest models). The rest are
/// discarded. Krum's guarantee needs n > 2F + 2; with fewer models the neighbour count is clamped to at least one
/// and the selection to at least one model, and the guarantee is gone (docs/algorithms.md).
/// </summary>
public static class MultiKrum
{
    /// <summary>Krum scores (in double): score[k] = Σ of the <paramref name="neighbours"/> smallest ‖x_k − x_j‖², j ≠ k.</summary>
    public static double[] Scores(IReadOnlyList<ReadOnlyMemory<float>> models, int neighbours)
    {
        ArgumentNullException.ThrowIfNull(models);
        var n = models.Count;
        var distance = new double[n, n];
        for (var a = 0; a < n; a++)
        {
            for (var b = a + 1; b < n; b++)
            {
                distance[a, b] = distance[b, a] = Algorithms.VectorMath.SquaredDistance(models[a].Span, models[b].Span);
            }
        }

        var scores = new double[n];
        var row = new double[Math.Max(n - 1, 0)];
        for (var k = 0; k < n; k++)
        {
            var at = 0;
            for (var j = 0; j < n; j++)
            {
                if (j != k)
                {
                    row[at++] = distance[k, j];
                }
            }

            Array.Sort(row);
            var take = Math.Min(neighbours, row.Length);
            for (var r = 0; r < take; r++)
            {
                scores[k] += row[r];
            }
        }

        return scores;
    }

    /// <summary>Writes the weighted mean of the selected models; marks the others <see cref="ContributionOutcome.Discarded"/>.</summary>
    public static void Aggregate(
        Span<float> destination, IReadOnlyList<ReadOnlyMemory<float>> models, ReadOnlySpan<double> weights, int tolerated, Span<ContributionOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerated);
        var n = models.Count;
        if (n == 0 || weights.Length != n || outcomes.Length != n)
        {
            throw new ArgumentException($"{n} models, {weights.Length} weights and {outcomes.Length} outcome slots must match and be non-zero");
        }

        var scores = Scores(models, Math.Max(n - tolerated - 2, 1));
        var selected = Math.Max(n - tolerated, 1);
        var ranking = Enumerable.Range(0, n).OrderBy(k => scores[k]).ThenBy(k => k).ToArray();
        outcomes.Fill(ContributionOutcome.Discarded);
        var total = 0.0;
        for (var r = 0; r < selected; r++)
        {
            outcomes[ranking[r]] = ContributionOutcome.Kept;
            total += weights[ranking[r]];
        }

        var sum = new double[destination.Length];
        for (var k = 0; k < n; k++)
        {
            if (outcomes[k] != ContributionOutcome.Kept)
            {
                continue;
            }

            var share = weights[k] / total;
            var values = models[k].Span;
            for (var c = 0; c < sum.Length; c++)
            {
                sum[c] += share * values[c];
            }
        }

        for (var c = 0; c < sum.Length; c++)
        {
            destination[c] = (float)sum[c];
        }
    }
}
