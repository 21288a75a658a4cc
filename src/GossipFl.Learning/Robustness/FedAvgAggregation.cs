namespace GossipFl.Learning.Robustness;

/// <summary>The FedAvg coordinator's robust rules behind one call (the mean stays in <see cref="Algorithms.FedAvgCoordinator"/>).</summary>
public static class FedAvgAggregation
{
    /// <summary>
    /// Replaces <paramref name="global"/> (the previous global model on entry) with the robust aggregate of
    /// <paramref name="models"/>, weighted by <paramref name="weights"/> (sample counts) where the rule uses weights,
    /// and writes what happened to each model into <paramref name="outcomes"/>.
    /// </summary>
    public static void Aggregate(
        AggregationSpec spec, Span<float> global, IReadOnlyList<ReadOnlyMemory<float>> models, ReadOnlySpan<double> weights, Span<ContributionOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        switch (spec.Rule)
        {
            case AggregationRule.Median:
                CoordinateWise.Median(global, models, outcomes);
                break;
            case AggregationRule.TrimmedMean:
                CoordinateWise.TrimmedMean(global, models, spec.Tolerated, outcomes);
                break;
            case AggregationRule.Krum:
                MultiKrum.Aggregate(global, models, weights, spec.Tolerated, outcomes);
                break;
            case AggregationRule.NormBound:
                NormBoundedAverage.Aggregate(global, models, weights, spec.Radius, outcomes);
                break;
            default:
                throw new ArgumentException($"aggregation {spec} is not a FedAvg rule", nameof(spec));
        }
    }
}
