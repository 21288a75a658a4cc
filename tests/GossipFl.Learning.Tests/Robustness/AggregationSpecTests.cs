using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Robustness;

namespace GossipFl.Learning.Tests.Robustness;

public sealed class AggregationSpecTests
{
    [Theory]
    [InlineData("mean", AggregationRule.Mean, 0, 0)]
    [InlineData(" Median ", AggregationRule.Median, 0, 0)]
    [InlineData("trimmed:2", AggregationRule.TrimmedMean, 2, 0)]
    [InlineData("krum:3", AggregationRule.Krum, 3, 0)]
    [InlineData("normbound:2.5", AggregationRule.NormBound, 0, 2.5)]
    [InlineData("clipped:0.75", AggregationRule.Clipped, 0, 0.75)]
    [InlineData("clipped:auto", AggregationRule.Clipped, 0, 0)]
    public void Parse_ValidText_GivesRuleAndParameter(string text, AggregationRule rule, int tolerated, double radius)
    {
        var spec = AggregationSpec.Parse(text);
        Assert.Equal(rule, spec.Rule);
        Assert.Equal(tolerated, spec.Tolerated);
        Assert.Equal(radius, spec.Radius);
        Assert.Equal(spec, AggregationSpec.Parse(spec.ToString()));
    }

    [Theory]
    [InlineData("avg", "unknown aggregation 'avg'")]
    [InlineData("trimmed", "trimmed:F needs F")]
    [InlineData("trimmed:0.2", "trimmed:F needs F")]
    [InlineData("krum:0", "krum:F needs F")]
    [InlineData("clipped:-1", "clipped needs TAU")]
    [InlineData("clipped:", "clipped needs TAU")]
    [InlineData("normbound:inf", "normbound needs C")]
    [InlineData("median:3", "median takes no parameter")]
    public void Parse_BadText_NamesTheBadValue(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => AggregationSpec.Parse(text));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("median", AlgorithmKind.DPsgd, "use clipped:TAU")]
    [InlineData("krum:1", AlgorithmKind.PushSum, "use clipped:TAU")]
    [InlineData("clipped:1", AlgorithmKind.FedAvg, "normbound:C")]
    [InlineData("median", AlgorithmKind.Centralized, "centralized")]
    public void EnsureFits_RuleForTheOtherKindOfAlgorithm_IsRefusedWithAReason(string text, AlgorithmKind algorithm, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => AggregationSpec.Parse(text).EnsureFits(algorithm));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mean", AlgorithmKind.PushSum)]
    [InlineData("clipped:auto", AlgorithmKind.PushSum)]
    [InlineData("clipped:1", AlgorithmKind.Dol)]
    [InlineData("trimmed:1", AlgorithmKind.FedAvg)]
    [InlineData("normbound:1", AlgorithmKind.FedAvg)]
    public void EnsureFits_SensibleCombination_IsAccepted(string text, AlgorithmKind algorithm) =>
        AggregationSpec.Parse(text).EnsureFits(algorithm);

    [Theory]
    [InlineData("trimmed:2", 4, "so it is the coordinate-wise median, which tolerates 1")]
    [InlineData("trimmed:10", 6, "dropping 10 values from each side leaves none (needs more than 2F = 20)")]
    [InlineData("krum:1", 4, "Krum tolerates F only with more than 2F + 2 = 4 clients")]
    [InlineData("krum:5", 8, "more than 2F + 2 = 12 clients; with fewer its neighbour count and selection are clamped to at least 1")]
    [InlineData("median", 2, "aggregation median with 2 client(s) per round: the median of fewer than 3 values is their mean, which tolerates no Byzantine client")]
    [InlineData("median", 1, "aggregation median with 1 client(s) per round: the median of fewer than 3 values is their mean")]
    public void Weakness_FTooLargeForTheClientsOfARound_IsSaid(string text, int clients, string expected) =>
        Assert.Contains(expected, AggregationSpec.Parse(text).Weakness(clients), StringComparison.Ordinal);

    [Theory]
    [InlineData("trimmed:1", 3)]
    [InlineData("krum:1", 5)]
    [InlineData("mean", 1)]
    [InlineData("median", 3)]
    [InlineData("normbound:1", 1)]
    public void Weakness_RuleThatHoldsForThatMany_IsNull(string text, int clients) =>
        Assert.Null(AggregationSpec.Parse(text).Weakness(clients));
}
