namespace GossipFl.Topology.Graph;

/// <summary>
/// An immutable directed trust graph over nodes <c>0..NodeCount-1</c>. "i trusts j" means i accepts j's
/// parameters, so information flows j -> i: j is one of i's <see cref="Trusted"/> (in-neighbours) and i is one
/// of j's <see cref="Followers"/> (out-neighbours). Every node also keeps a share of its own model; that
/// self-loop is part of every graph (<see cref="HasSelfLoop"/>) and of every mixing matrix, so it is never
/// stored in the neighbour lists, which hold distinct peers in ascending index order.
/// </summary>
/// <remarks>
/// Adjacency is kept in compressed sparse rows (one offsets array, one targets array) in both directions,
/// which keeps a 10,000-node graph in a few hundred kilobytes and makes neighbour lists spans without copies.
/// </remarks>
public sealed class TrustGraph
{
    private readonly string[] _names;
    private readonly Dictionary<string, int> _indexByName;
    private readonly int[] _inOffsets;
    private readonly int[] _inTargets;
    private readonly int[] _outOffsets;
    private readonly int[] _outTargets;
    private bool? _isSymmetric;

    internal TrustGraph(string[] names, int[] inOffsets, int[] inTargets, int[] outOffsets, int[] outTargets)
    {
        _names = names;
        _inOffsets = inOffsets;
        _inTargets = inTargets;
        _outOffsets = outOffsets;
        _outTargets = outTargets;
        _indexByName = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            _indexByName.Add(names[i], i);
        }
    }

    public int NodeCount => _names.Length;

    /// <summary>Number of trust relations (directed edges), self-loops not counted.</summary>
    public int EdgeCount => _inTargets.Length;

    /// <summary>Node names in index order (file order, or generation order).</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Every node keeps a share of its own model; mixing matrices always include the diagonal.</summary>
    public bool HasSelfLoop(int node) => (uint)node < (uint)_names.Length
        ? true
        : throw new ArgumentOutOfRangeException(nameof(node));

    public string NameOf(int node) => _names[node];

    public int IndexOf(string name) => _indexByName.TryGetValue(name, out var index)
        ? index
        : throw new KeyNotFoundException($"no node named '{name}'");

    public bool TryGetIndex(string name, out int index) => _indexByName.TryGetValue(name, out index);

    /// <summary>Peers whose parameters <paramref name="node"/> accepts (in-neighbours), ascending, without itself.</summary>
    public ReadOnlySpan<int> Trusted(int node) =>
        _inTargets.AsSpan(_inOffsets[node], _inOffsets[node + 1] - _inOffsets[node]);

    /// <summary>Peers that trust <paramref name="node"/> and so receive from it (out-neighbours), ascending, without itself.</summary>
    public ReadOnlySpan<int> Followers(int node) =>
        _outTargets.AsSpan(_outOffsets[node], _outOffsets[node + 1] - _outOffsets[node]);

    public int InDegree(int node) => _inOffsets[node + 1] - _inOffsets[node];

    public int OutDegree(int node) => _outOffsets[node + 1] - _outOffsets[node];

    /// <summary>True when <paramref name="truster"/> accepts <paramref name="trusted"/>'s parameters.</summary>
    public bool Trusts(int truster, int trusted) => Trusted(truster).BinarySearch(trusted) >= 0;

    /// <summary>True when every trust relation is mutual (an undirected graph).</summary>
    public bool IsSymmetric
    {
        get
        {
            _isSymmetric ??= ComputeIsSymmetric();
            return _isSymmetric.Value;
        }
    }

    /// <summary>Every trust relation as (truster, trusted), ordered by truster then trusted.</summary>
    public IEnumerable<(int Truster, int Trusted)> TrustRelations()
    {
        for (var i = 0; i < NodeCount; i++)
        {
            for (var k = _inOffsets[i]; k < _inOffsets[i + 1]; k++)
            {
                yield return (i, _inTargets[k]);
            }
        }
    }

    private bool ComputeIsSymmetric()
    {
        for (var i = 0; i < NodeCount; i++)
        {
            // Symmetric exactly when every node's trusted list equals its follower list.
            if (!Trusted(i).SequenceEqual(Followers(i)))
            {
                return false;
            }
        }

        return true;
    }
}
