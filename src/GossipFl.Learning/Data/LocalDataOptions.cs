namespace GossipFl.Learning.Data;

/// <summary>
/// How <see cref="LocalData.Load"/> reads a node's own data where the file alone does not say.
/// </summary>
/// <param name="LabelColumn">
/// CSV only: the label column, as a header name or as a 0-based index (negative counts from the end, -1 being the
/// last column). Text that parses as an integer is always an index. Null: the last column.
/// </param>
public sealed record LocalDataOptions(string? LabelColumn = null);
