namespace GossipFl.Learning.Torch;

/// <summary>
/// One parameter tensor of a model, in the order the flat parameter vector holds them: its name as PyTorch's
/// <c>state_dict()</c> key (e.g. <c>fc0.weight</c>), its shape, and where its values start in the flat vector.
/// </summary>
public sealed record ParameterInfo(string Name, IReadOnlyList<long> Shape, int Offset)
{
    /// <summary>Values the tensor holds (the product of its shape).</summary>
    public int Count => (int)Shape.Aggregate(1L, (a, b) => a * b);
}
