namespace GossipFl.Learning.Models;

public enum ModelKind
{
    /// <summary>Softmax (multinomial logistic) regression: one linear layer.</summary>
    LogReg,

    /// <summary>Fully connected network with ReLU activations.</summary>
    Mlp,

    /// <summary>LeNet-5 convolutional network for small images.</summary>
    LeNet5,

    /// <summary>A TorchScript module saved from PyTorch.</summary>
    TorchScript,
}
