namespace GossipFl.Learning.Tests.Torch;

/// <summary>The shim's status codes as the tests expect them (native/gossipfl_torch/include/gossipfl_torch.h).</summary>
internal static class NativeStatusCodes
{
    public const int Argument = 1;
    public const int Torch = 2;
    public const int Io = 3;
}
