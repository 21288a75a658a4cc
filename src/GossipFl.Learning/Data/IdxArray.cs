namespace GossipFl.Learning.Data;

/// <summary>
/// The contents of one IDX file of unsigned bytes: its dimensions (outermost first, as in the header) and the
/// elements in row-major order.
/// </summary>
public sealed class IdxArray
{
    public IdxArray(IReadOnlyList<int> dimensions, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(data);
        var expected = dimensions.Aggregate(1L, (a, d) => a * d);
        if (dimensions.Count == 0 || dimensions.Any(d => d <= 0) || expected != data.Length)
        {
            throw new ArgumentException(
                $"{data.Length} bytes do not fill dimensions [{string.Join(", ", dimensions)}].", nameof(data));
        }

        Dimensions = dimensions.ToArray();
        Data = data;
    }

    public IReadOnlyList<int> Dimensions { get; }

    public byte[] Data { get; }

    /// <summary>The size of the first dimension: the number of items (images, labels) in the file.</summary>
    public int Count => Dimensions[0];
}
