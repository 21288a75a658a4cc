namespace GossipFl.Daemon.Tests.Transport;

/// <summary>
/// Test classes that move hundreds of megabytes or measure process memory run one at a time: in parallel, one
/// class's 256 MB buffers would show up in another's memory bound, and on two cores they would starve each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HeavyTransfers
{
    public const string Name = "Heavy transport transfers";
}
