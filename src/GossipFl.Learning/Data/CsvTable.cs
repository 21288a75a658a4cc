namespace GossipFl.Learning.Data;

/// <summary>
/// A CSV file read by <see cref="CsvDataset.Read"/>: the dataset, plus what was learned about the file on the way
/// (column names, whether a header was present, and how label values in the file became class ids).
/// </summary>
public sealed class CsvTable
{
    public CsvTable(Dataset dataset, IReadOnlyList<string> featureNames, bool hasHeader, IReadOnlyList<long> classLabels)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(classLabels);
        Dataset = dataset;
        FeatureNames = featureNames.ToArray();
        HasHeader = hasHeader;
        ClassLabels = classLabels.ToArray();
    }

    public Dataset Dataset { get; }

    /// <summary>The header's feature names, or feature_1 ... feature_k when the file has no header.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    public bool HasHeader { get; }

    /// <summary>The label value in the file for each class id: class c was written as ClassLabels[c].</summary>
    public IReadOnlyList<long> ClassLabels { get; }

    /// <summary>True when the file's labels were not already 0 .. C-1 and were renumbered.</summary>
    public bool LabelsRemapped
    {
        get
        {
            for (var c = 0; c < ClassLabels.Count; c++)
            {
                if (ClassLabels[c] != c)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>One line for a log or the console, e.g. "labels 1, 2, 7 -> classes 0, 1, 2".</summary>
    public string DescribeLabelMapping() => LabelsRemapped
        ? $"labels {string.Join(", ", ClassLabels)} -> classes {string.Join(", ", Enumerable.Range(0, ClassLabels.Count))}"
        : $"labels are class ids 0..{ClassLabels.Count - 1}";
}
