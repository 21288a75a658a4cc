using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Generation;

/// <summary>
/// Makes the same <see cref="TrustGraph"/> as <see cref="TrustGraphBuilder"/> from the same relations, by
/// bucketing the relations per truster (a counting sort) and sorting each short row, instead of sorting every
/// packed relation at once. A time-varying one-way-trust topology is redrawn every round (N = 4096 with 16
/// out-neighbours: 65,536 relations per round), and the global sort was the larger part of each draw. Rows are
/// sorted and de-duplicated either way and self-trust is dropped, so the graph does not depend on the builder.
/// </summary>
internal sealed class RowBucketGraphBuilder
{
    private readonly string[] _names;
    private int[] _trusters;
    private int[] _trusted;
    private int _count;

    public RowBucketGraphBuilder(IReadOnlyList<string> names, int expectedRelations)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = [.. names];
        var seen = new HashSet<string>(_names.Length, StringComparer.Ordinal);
        foreach (var name in _names)
        {
            if (!seen.Add(name))
            {
                throw new ArgumentException($"duplicate node name '{name}'", nameof(names));
            }
        }

        _trusters = new int[Math.Max(expectedRelations, 4)];
        _trusted = new int[_trusters.Length];
    }

    /// <summary>Records that <paramref name="truster"/> accepts <paramref name="trusted"/>'s parameters (information flows trusted -> truster).</summary>
    public void AddTrust(int truster, int trusted)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(truster);
        ArgumentOutOfRangeException.ThrowIfNegative(trusted);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(truster, _names.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(trusted, _names.Length);
        if (truster == trusted)
        {
            return;
        }

        if (_count == _trusters.Length)
        {
            Array.Resize(ref _trusters, _count * 2);
            Array.Resize(ref _trusted, _count * 2);
        }

        _trusters[_count] = truster;
        _trusted[_count] = trusted;
        _count++;
    }

    public TrustGraph Build()
    {
        var n = _names.Length;
        var rowStarts = new int[n + 1];
        for (var k = 0; k < _count; k++)
        {
            rowStarts[_trusters[k] + 1]++;
        }

        for (var i = 0; i < n; i++)
        {
            rowStarts[i + 1] += rowStarts[i];
        }

        var bucketed = new int[_count];
        var cursor = (int[])rowStarts.Clone();
        for (var k = 0; k < _count; k++)
        {
            bucketed[cursor[_trusters[k]]++] = _trusted[k];
        }

        // Each row sorted and its duplicates dropped, compacted in place (a row only moves left).
        var inOffsets = new int[n + 1];
        var kept = 0;
        for (var i = 0; i < n; i++)
        {
            var row = bucketed.AsSpan(rowStarts[i], rowStarts[i + 1] - rowStarts[i]);
            row.Sort();
            var previous = -1;
            foreach (var trusted in row)
            {
                if (trusted != previous)
                {
                    bucketed[kept++] = trusted;
                    previous = trusted;
                }
            }

            inOffsets[i + 1] = kept;
        }

        var inTargets = bucketed.AsSpan(0, kept).ToArray();
        var outOffsets = new int[n + 1];
        foreach (var trusted in inTargets)
        {
            outOffsets[trusted + 1]++;
        }

        for (var i = 0; i < n; i++)
        {
            outOffsets[i + 1] += outOffsets[i];
        }

        // Walking the rows in truster order fills each follower row in ascending order.
        var outTargets = new int[kept];
        var outCursor = (int[])outOffsets.Clone();
        for (var truster = 0; truster < n; truster++)
        {
            for (var k = inOffsets[truster]; k < inOffsets[truster + 1]; k++)
            {
                outTargets[outCursor[inTargets[k]]++] = truster;
            }
        }

        return new TrustGraph(_names, inOffsets, inTargets, outOffsets, outTargets);
    }
}
