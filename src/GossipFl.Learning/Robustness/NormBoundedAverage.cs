namespace GossipFl.Learning.Robustness;

/// <summary>
/// Norm-bounded averaging (norm clipping of client updates, as in Sun, Kairouz, Suresh and McMahan, "Can You
/// Really Backdoor Federated Learning?", 2019): each client's update u_k = x_k − g (its model minus the global
/// model it started from) is scaled down to norm C when longer, and g' = g + Σ (n_k / Σ n) · u_k. One client can
/// then move the global model by at most C per round, whatever its claimed sample count.
/// </summary>
public static class NormBoundedAverage
{
    /// <summary><paramref name="global"/> holds g on entry and g' on return.</summary>
    public static void Aggregate(
        Span<float> global, IReadOnlyList<ReadOnlyMemory<float>> models, ReadOnlySpan<double> weights, double radius, Span<ContributionOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(models);
        var n = models.Count;
        if (n == 0 || weights.Length != n || outcomes.Length != n)
        {
            throw new ArgumentException($"{n} models, {weights.Length} weights and {outcomes.Length} outcome slots must match and be non-zero");
        }

        if (!(radius > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "the norm bound must be positive");
        }

        var total = 0.0;
        foreach (var weight in weights)
        {
            total += weight;
        }

        var step = new double[global.Length];
        for (var k = 0; k < n; k++)
        {
            var values = models[k].Span;
            var norm = Math.Sqrt(Algorithms.VectorMath.SquaredDistance(values, global));
            var scale = norm > radius ? radius / norm : 1.0;
            outcomes[k] = norm > radius ? ContributionOutcome.Clipped : ContributionOutcome.Kept;
            var factor = weights[k] / total * scale;
            for (var c = 0; c < step.Length; c++)
            {
                step[c] += factor * ((double)values[c] - global[c]);
            }
        }

        for (var c = 0; c < step.Length; c++)
        {
            global[c] = (float)(global[c] + step[c]);
        }
    }
}
