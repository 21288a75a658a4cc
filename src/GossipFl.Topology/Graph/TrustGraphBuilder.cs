namespace GossipFl.Topology.Graph;

/// <summary>
/// Collects trust relations and produces a <see cref="TrustGraph"/>. Duplicate relations collapse into one and
/// self-trust is dropped (the self-loop is always present), so generators can add edges without bookkeeping.
/// The result does not depend on the order relations were added in.
/// </summary>
public sealed class TrustGraphBuilder
{
    private readonly string[] _names;
    private readonly List<long> _relations = [];

    public TrustGraphBuilder(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = [.. names];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in _names)
        {
            if (!seen.Add(name))
            {
                throw new ArgumentException($"duplicate node name '{name}'", nameof(names));
            }
        }
    }

    public TrustGraphBuilder(int nodeCount)
        : this(DefaultNames(nodeCount))
    {
    }

    public int NodeCount => _names.Length;

    /// <summary>Names <c>node-0</c> .. <c>node-(n-1)</c>, used when a generated topology names no nodes.</summary>
    public static string[] DefaultNames(int nodeCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeCount);
        var names = new string[nodeCount];
        for (var i = 0; i < nodeCount; i++)
        {
            names[i] = "node-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return names;
    }

    /// <summary>Records that <paramref name="truster"/> accepts <paramref name="trusted"/>'s parameters (information flows trusted -> truster).</summary>
    public TrustGraphBuilder AddTrust(int truster, int trusted)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(truster);
        ArgumentOutOfRangeException.ThrowIfNegative(trusted);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(truster, _names.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(trusted, _names.Length);
        if (truster != trusted)
        {
            _relations.Add(((long)truster << 32) | (uint)trusted);
        }

        return this;
    }

    /// <summary>Records trust both ways between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public TrustGraphBuilder AddMutualTrust(int a, int b) => AddTrust(a, b).AddTrust(b, a);

    public TrustGraph Build()
    {
        var n = _names.Length;
        // Sorting the packed (truster, trusted) keys gives the in-adjacency rows in order and removes the
        // dependence on insertion order; duplicates become neighbours and are skipped.
        var keys = _relations.ToArray();
        Array.Sort(keys);
        var count = 0;
        for (var k = 0; k < keys.Length; k++)
        {
            if (k == 0 || keys[k] != keys[k - 1])
            {
                keys[count++] = keys[k];
            }
        }

        var inOffsets = new int[n + 1];
        var inTargets = new int[count];
        var outOffsets = new int[n + 1];
        for (var k = 0; k < count; k++)
        {
            var truster = (int)(keys[k] >> 32);
            var trusted = (int)(keys[k] & 0xFFFFFFFF);
            inOffsets[truster + 1]++;
            outOffsets[trusted + 1]++;
            inTargets[k] = trusted;
        }

        for (var i = 0; i < n; i++)
        {
            inOffsets[i + 1] += inOffsets[i];
            outOffsets[i + 1] += outOffsets[i];
        }

        // Walking relations in truster order fills each follower row in ascending order.
        var outTargets = new int[count];
        var cursor = (int[])outOffsets.Clone();
        for (var k = 0; k < count; k++)
        {
            var truster = (int)(keys[k] >> 32);
            var trusted = (int)(keys[k] & 0xFFFFFFFF);
            outTargets[cursor[trusted]++] = truster;
        }

        return new TrustGraph((string[])_names.Clone(), inOffsets, inTargets, outOffsets, outTargets);
    }
}
