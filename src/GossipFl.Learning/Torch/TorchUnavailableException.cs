namespace GossipFl.Learning.Torch;

/// <summary>libtorch or the GossipFl native shim could not be loaded on this machine.</summary>
public sealed class TorchUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
