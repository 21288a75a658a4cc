namespace GossipFl.Learning.Data;

/// <summary>
/// How <see cref="LocalData.Load"/> reads a node's own data where the file alone does not say.
/// </summary>
/// <param name="LabelColumn">
/// CSV only: the label column, as a header name or as a 0-based index (negative counts from the end, -1 being the
/// last column). Text that parses as an integer is always an index. Null: the last column. <see cref="NoLabel"/>
/// (<c>none</c>): every column is a feature and the rows have no label, for prediction only (each gets class 0).
/// </param>
public sealed record LocalDataOptions(string? LabelColumn = null)
{
    /// <summary>The <see cref="LabelColumn"/> that says a CSV file has no label column.</summary>
    public const string NoLabel = "none";

    public static bool IsNoLabel(string? labelColumn) => string.Equals(labelColumn?.Trim(), NoLabel, StringComparison.OrdinalIgnoreCase);
}
