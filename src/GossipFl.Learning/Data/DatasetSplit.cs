namespace GossipFl.Learning.Data;

/// <summary>A training set and the held-out test set it is judged on.</summary>
public sealed record DatasetSplit(Dataset Train, Dataset Test);
