namespace GossipFl.Learning.Tests.Torch;

/// <summary>
/// libtorch's seed and thread count are process-wide, so tests that seed and then create a model run one at a
/// time rather than racing each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LibTorchTests
{
    public const string Name = "libtorch";
}
