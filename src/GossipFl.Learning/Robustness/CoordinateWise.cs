namespace GossipFl.Learning.Robustness;

/// <summary>
/// Coordinate-wise median and trimmed mean (Yin, Chen, Ramchandran and Bartlett, "Byzantine-Robust Distributed
/// Learning: Towards Optimal Statistical Rates", ICML 2018). Both ignore sample counts: a count is the client's
/// own claim, and weighting a coordinate's order statistics by it would let one liar move every median.
/// </summary>
/// <remarks>
/// Counting for operators: at every coordinate the <c>band</c> lowest and <c>band</c> highest values are the ones
/// the rule leans on least (trimmed mean: exactly the dropped ones, F per side; median: the outer eighths,
/// ⌊n/8⌋ per side, none below eight clients). An honest client lands in that band at a coordinate with
/// probability about p = 2·band/n; a client in it at more than (1 + p)/2 of the coordinates (halfway between that
/// and all of them) is reported as discarded for the round. A client sending far-off values is reported every
/// round; one hiding inside the honest spread (ALIE) is not, and is not much down-weighted either.
/// </remarks>
public static class CoordinateWise
{
    /// <summary>destination[c] = median over k of models[k][c] (the mean of the two middle values when n is even).</summary>
    public static void Median(Span<float> destination, IReadOnlyList<ReadOnlyMemory<float>> models, Span<ContributionOutcome> outcomes) =>
        Aggregate(destination, models, keepBand: -1, countBand: models.Count / 8, outcomes);

    /// <summary>
    /// destination[c] = mean of models[k][c] after dropping the <paramref name="trim"/> largest and smallest values;
    /// with n ≤ 2·trim, as many as leave one or two middle values (the median).
    /// </summary>
    public static void TrimmedMean(Span<float> destination, IReadOnlyList<ReadOnlyMemory<float>> models, int trim, Span<ContributionOutcome> outcomes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trim);
        var effective = Math.Min(trim, (models.Count - 1) / 2);
        Aggregate(destination, models, effective, effective, outcomes);
    }

    private static void Aggregate(Span<float> destination, IReadOnlyList<ReadOnlyMemory<float>> models, int keepBand, int countBand, Span<ContributionOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(models);
        var n = models.Count;
        if (n == 0)
        {
            throw new ArgumentException("nothing to aggregate", nameof(models));
        }

        if (outcomes.Length != n)
        {
            throw new ArgumentException($"{outcomes.Length} outcome slots for {n} models", nameof(outcomes));
        }

        foreach (var model in models)
        {
            if (model.Length != destination.Length)
            {
                throw new ArgumentException($"a model has {model.Length} values; the destination has {destination.Length}", nameof(models));
            }
        }

        var values = new float[n];
        var order = new int[n];
        var inBand = new int[n];
        for (var c = 0; c < destination.Length; c++)
        {
            for (var k = 0; k < n; k++)
            {
                values[k] = models[k].Span[c];
                order[k] = k;
            }

            // Sorting (value, client) pairs makes ties, and so the counts, independent of arrival order.
            Array.Sort(order, (a, b) => values[a] != values[b] ? values[a].CompareTo(values[b]) : a.CompareTo(b));
            if (keepBand < 0)
            {
                destination[c] = (n & 1) == 1
                    ? values[order[n / 2]]
                    : (float)(((double)values[order[(n / 2) - 1]] + values[order[n / 2]]) / 2);
            }
            else
            {
                var sum = 0.0;
                for (var r = keepBand; r < n - keepBand; r++)
                {
                    sum += values[order[r]];
                }

                destination[c] = (float)(sum / (n - (2 * keepBand)));
            }

            for (var r = 0; r < countBand; r++)
            {
                inBand[order[r]]++;
                inBand[order[n - 1 - r]]++;
            }
        }

        // Halfway between what an honest client expects (2·band/n of its coordinates) and all of them.
        var threshold = (1.0 + (2.0 * countBand / n)) / 2 * destination.Length;
        for (var k = 0; k < n; k++)
        {
            outcomes[k] = countBand > 0 && inBand[k] > threshold ? ContributionOutcome.Discarded : ContributionOutcome.Kept;
        }
    }
}
