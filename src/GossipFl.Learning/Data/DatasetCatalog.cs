namespace GossipFl.Learning.Data;

/// <summary>
/// Resolves the dataset specs the command line accepts: <c>fashion-mnist</c>, <c>synthetic</c> (the SUSY-like task
/// of <see cref="SyntheticSusy"/>), or a path ending in <c>.csv</c>, which is split into train and test sets by
/// <see cref="HoldOut"/>.
/// </summary>
public static class DatasetCatalog
{
    public const string FashionMnistName = "fashion-mnist";

    public const string SyntheticName = "synthetic";

    /// <summary>Salt mixed into the seed for the CSV hold-out, so it does not replay the partitioner's stream.</summary>
    private const ulong HoldOutSalt = 0x486F6C644F757421UL;

    public static IReadOnlyList<string> Names { get; } = [FashionMnistName, SyntheticName];

    /// <exception cref="DataSpecException">The spec names no dataset.</exception>
    /// <exception cref="FileNotFoundException">A CSV path or a Fashion-MNIST file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">The Fashion-MNIST directory does not exist.</exception>
    /// <exception cref="DataFormatException">A file is malformed.</exception>
    public static DatasetSplit Load(string spec, DatasetLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var trimmed = spec.Trim();
        if (trimmed.Equals(FashionMnistName, StringComparison.OrdinalIgnoreCase))
        {
            return FashionMnist.Load(options.FashionMnistDirectory);
        }

        if (trimmed.Equals(SyntheticName, StringComparison.OrdinalIgnoreCase))
        {
            if (options.SyntheticTrainCount < 1 || options.SyntheticTestCount < 0)
            {
                throw new DataSpecException(
                    spec, $"needs at least 1 training and 0 test events; got {options.SyntheticTrainCount} and {options.SyntheticTestCount}.");
            }

            return SyntheticSusy.Generate(options.SyntheticTrainCount, options.SyntheticTestCount, options.Seed);
        }

        if (trimmed.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            return HoldOut(CsvDataset.Load(trimmed), options.CsvTestFraction, options.Seed);
        }

        throw new DataSpecException(spec, $"not a dataset; use one of: {string.Join(", ", Names)}, or a path to a .csv file.");
    }

    /// <summary>
    /// A seeded, stratified hold-out: for each class, its samples are shuffled and the first
    /// round(fraction x size) go to the test set, but never the class's last sample, so training sees every class.
    /// Both parts keep the original sample order.
    /// </summary>
    public static DatasetSplit HoldOut(Dataset data, double testFraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(testFraction >= 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in [0, 1).");
        }

        var random = new Xoshiro256StarStar(seed ^ HoldOutSalt);
        var isTest = new bool[data.Count];
        var byClass = Enumerable.Range(0, data.ClassCount).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < data.Count; i++)
        {
            byClass[data.Labels[i]].Add(i);
        }

        foreach (var members in byClass)
        {
            var shuffled = members.ToArray();
            random.Shuffle(shuffled.AsSpan());
            var take = (int)Math.Min(Math.Floor((testFraction * shuffled.Length) + 0.5), Math.Max(0, shuffled.Length - 1));
            for (var i = 0; i < take; i++)
            {
                isTest[shuffled[i]] = true;
            }
        }

        var train = Enumerable.Range(0, data.Count).Where(i => !isTest[i]).ToArray();
        var test = Enumerable.Range(0, data.Count).Where(i => isTest[i]).ToArray();
        return new DatasetSplit(data.Subset(train, data.Name + "-train"), data.Subset(test, data.Name + "-test"));
    }
}
