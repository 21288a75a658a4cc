namespace GossipFl.Learning.Tests.Torch;

/// <summary>
/// libtorch's thread count is process-wide, and so is its generator: these tests run one at a time rather than
/// racing each other. (Seeded creation is atomic in the library itself, <c>TorchModel.Create(..., seed)</c>, so
/// tests outside this collection that create seeded models, such as the simulator's, are safe alongside them.)
/// </summary>
[CollectionDefinition(Name)]
public sealed class LibTorchTests
{
    public const string Name = "libtorch";
}
