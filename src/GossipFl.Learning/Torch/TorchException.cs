namespace GossipFl.Learning.Torch;

/// <summary>An error raised inside libtorch or the native shim, carrying the native message.</summary>
public sealed class TorchException : Exception
{
    public TorchException(string operation, int code, string nativeMessage)
        : base($"{operation} failed in libtorch: {nativeMessage}")
    {
        Operation = operation;
        Code = code;
        NativeMessage = nativeMessage;
    }

    /// <summary>What the managed side asked for, e.g. "train".</summary>
    public string Operation { get; }

    /// <summary>The shim's error code (see native/gossipfl_torch/gossipfl_torch.h).</summary>
    public int Code { get; }

    public string NativeMessage { get; }
}
