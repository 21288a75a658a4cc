namespace GossipFl.Learning.Data;

/// <summary>How <see cref="DatasetCatalog.Load"/> builds a dataset. Every member has a usable default.</summary>
/// <param name="Seed">Seeds the synthetic generator and the CSV hold-out split.</param>
/// <param name="SyntheticTrainCount">Training events for <c>synthetic</c>.</param>
/// <param name="SyntheticTestCount">Test events for <c>synthetic</c>.</param>
/// <param name="CsvTestFraction">Share of each class held out for testing when loading a CSV file, in [0, 1).</param>
/// <param name="FashionMnistDirectory">Where the Fashion-MNIST files are; null uses <see cref="FashionMnist.ResolveDirectory"/>.</param>
public sealed record DatasetLoadOptions(
    ulong Seed = 0,
    int SyntheticTrainCount = DatasetLoadOptions.DefaultSyntheticTrainCount,
    int SyntheticTestCount = DatasetLoadOptions.DefaultSyntheticTestCount,
    double CsvTestFraction = DatasetLoadOptions.DefaultCsvTestFraction,
    string? FashionMnistDirectory = null)
{
    public const int DefaultSyntheticTrainCount = 100_000;

    public const int DefaultSyntheticTestCount = 20_000;

    public const double DefaultCsvTestFraction = 0.2;
}
