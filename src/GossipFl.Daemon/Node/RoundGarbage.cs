namespace GossipFl.Daemon.Node;

/// <summary>
/// Frees the model-sized arrays of past rounds. A share, a decoded model or a status copy of a model of more than
/// 21,250 parameters is a large object (85,000 bytes or more), and .NET frees large objects only in a full
/// collection, which a daemon allocating a few of them per round and little else reaches rarely: its heap grew by
/// the rounds' garbage until then (docs/benchmarks.md, "Peak memory of a Fashion-MNIST daemon"). After a round
/// in which the process has allocated <see cref="Threshold"/> bytes since the last such collection, one
/// non-compacting full collection runs: a few milliseconds over a heap that is mostly arrays of floats, about once
/// a round for a megabyte-sized model, rarely for a small one.
/// </summary>
internal sealed class RoundGarbage
{
    public const long Threshold = 4L << 20;

    private static volatile bool s_processHostsOneNode;

    private readonly Func<long> _allocatedBytes;
    private readonly bool? _enabled;
    private long _allocatedAtLastCollection;

    /// <param name="allocatedBytes">The process's bytes allocated so far (tests count their own).</param>
    /// <param name="enabled">Whether to collect; null follows <see cref="EnableForThisProcess"/>.</param>
    public RoundGarbage(Func<long>? allocatedBytes = null, bool? enabled = null)
    {
        _allocatedBytes = allocatedBytes ?? (static () => GC.GetTotalAllocatedBytes());
        _enabled = enabled;
        _allocatedAtLastCollection = _allocatedBytes();
    }

    /// <summary>
    /// Called by the daemon, whose process hosts one node, so the process's allocations are that node's. Where several
    /// peers share a process (in-memory tests, beside other tests' allocations) it stays off: collections caused by
    /// others' allocations would only pause the peers between their rounds.
    /// </summary>
    public static void EnableForThisProcess() => s_processHostsOneNode = true;

    /// <summary>
    /// Collects when the rounds since the last collection allocated more than <see cref="Threshold"/>; returns whether it
    /// did. Either way returns malloc's free pages (<see cref="NativeHeap.Trim"/>): what libtorch freed in the round.
    /// </summary>
    public bool AfterRound()
    {
        if (!(_enabled ?? s_processHostsOneNode))
        {
            return false;
        }

        var collect = _allocatedBytes() - _allocatedAtLastCollection >= Threshold;
        if (collect)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
            _allocatedAtLastCollection = _allocatedBytes();
        }

        NativeHeap.Trim();
        return collect;
    }
}
