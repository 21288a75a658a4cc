namespace GossipFl.Learning.Data;

/// <summary>A parsed partition spec (see <see cref="PartitionerCatalog.Parse"/>), ready to apply to any dataset.</summary>
public sealed class PartitionScheme
{
    private readonly Func<Dataset, int, ulong, Partition> _apply;

    internal PartitionScheme(string spec, Func<Dataset, int, ulong, Partition> apply)
    {
        Spec = spec;
        _apply = apply;
    }

    /// <summary>The canonical spec, e.g. "dirichlet:0.5"; parsing it again gives the same scheme.</summary>
    public string Spec { get; }

    public Partition Apply(Dataset data, int clientCount, ulong seed) => _apply(data, clientCount, seed);

    public override string ToString() => Spec;
}
