namespace GossipFl.Daemon.Tests;

/// <summary>
/// Tests that bound the memory a process retains (<see cref="GC.GetTotalMemory(bool)"/> before and after) run alone,
/// with no other test class in the process: the heap is shared, so another class's allocations while one measures
/// showed up as retained memory (the DNS fuzz test once saw 17 MB that were not its own).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurements
{
    public const string Name = "Process memory measurements";
}
