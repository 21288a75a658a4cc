namespace GossipFl.Daemon.Tests.Transport;

/// <summary>
/// Test classes that move hundreds of megabytes run one at a time: on two cores they would starve each other.
/// (Tests that bound process memory run alone, in <see cref="MemoryMeasurements"/>.)
/// </summary>
[CollectionDefinition(Name)]
public sealed class HeavyTransfers
{
    public const string Name = "Heavy transport transfers";
}
