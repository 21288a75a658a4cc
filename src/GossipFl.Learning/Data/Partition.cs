using System.Globalization;
using System.Text;

namespace GossipFl.Learning.Data;

/// <summary>
/// Which samples of a dataset each client holds: per client, an ascending array of sample indices. No sample is
/// held by two clients. Schemes that cannot place every sample (see <see cref="Partitioner.Shards"/>) list the
/// rest in <see cref="Unassigned"/>. Also keeps each client's class histogram, for printing and for tests.
/// </summary>
public sealed class Partition
{
    private readonly int[][] _clients;
    private readonly int[][] _histograms;
    private readonly int[] _unassigned;

    public Partition(string scheme, Dataset data, IReadOnlyList<int[]> clientIndices, IReadOnlyList<int>? unassigned = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(clientIndices);
        Scheme = scheme;
        ClassCount = data.ClassCount;
        SampleCount = data.Count;
        _clients = clientIndices.Select(c => c.Order().ToArray()).ToArray();
        _unassigned = (unassigned ?? []).Order().ToArray();

        // Checked here once so every scheme, present and future, is held to the same invariant.
        var seen = new bool[data.Count];
        _histograms = new int[_clients.Length][];
        for (var c = 0; c < _clients.Length; c++)
        {
            _histograms[c] = new int[data.ClassCount];
            foreach (var index in _clients[c])
            {
                MarkOnce(seen, index, $"client {c}");
                _histograms[c][data.Labels[index]]++;
            }
        }

        foreach (var index in _unassigned)
        {
            MarkOnce(seen, index, "the unassigned list");
        }
    }

    /// <summary>The scheme that made this partition, as a spec (e.g. "dirichlet:0.5").</summary>
    public string Scheme { get; }

    public int ClientCount => _clients.Length;

    public int ClassCount { get; }

    public int SampleCount { get; }

    /// <summary>Samples no client holds (only some schemes leave any), ascending.</summary>
    public ReadOnlySpan<int> Unassigned => _unassigned;

    /// <summary>The samples client <paramref name="client"/> holds, ascending.</summary>
    public ReadOnlySpan<int> IndicesOf(int client) => _clients[client];

    public int SizeOf(int client) => _clients[client].Length;

    /// <summary>How many samples of each class client <paramref name="client"/> holds.</summary>
    public IReadOnlyList<int> ClassHistogram(int client) => _histograms[client];

    /// <summary>The number of classes client <paramref name="client"/> holds at least one sample of.</summary>
    public int DistinctClassesOf(int client) => _histograms[client].Count(n => n > 0);

    /// <summary>Client <paramref name="client"/>'s samples as a dataset of their own.</summary>
    public Dataset ClientData(Dataset data, int client)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count != SampleCount)
        {
            throw new ArgumentException($"This partition is of {SampleCount} samples; dataset '{data.Name}' has {data.Count}.", nameof(data));
        }

        return data.Subset(_clients[client], $"{data.Name}[client {client}]");
    }

    /// <summary>A fixed-width table: one row per client with its size and per-class counts.</summary>
    public string FormatHistogram()
    {
        var width = Math.Max(5, SampleCount.ToString(CultureInfo.InvariantCulture).Length);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Scheme}: {SampleCount} samples over {ClientCount} clients");
        if (_unassigned.Length > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", {_unassigned.Length} unassigned");
        }

        text.AppendLine();
        text.Append("client".PadLeft(6)).Append(' ').Append("size".PadLeft(width));
        for (var k = 0; k < ClassCount; k++)
        {
            text.Append(' ').Append(("c" + k.ToString(CultureInfo.InvariantCulture)).PadLeft(width));
        }

        text.AppendLine();
        for (var c = 0; c < ClientCount; c++)
        {
            text.Append(c.ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append(' ')
                .Append(SizeOf(c).ToString(CultureInfo.InvariantCulture).PadLeft(width));
            foreach (var n in _histograms[c])
            {
                text.Append(' ').Append(n.ToString(CultureInfo.InvariantCulture).PadLeft(width));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static void MarkOnce(bool[] seen, int index, string holder)
    {
        if ((uint)index >= (uint)seen.Length)
        {
            throw new ArgumentException($"Sample index {index} in {holder} is outside [0, {seen.Length}).");
        }

        if (seen[index])
        {
            throw new ArgumentException($"Sample {index} is placed twice (again in {holder}).");
        }

        seen[index] = true;
    }
}
