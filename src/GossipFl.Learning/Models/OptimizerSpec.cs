using System.Globalization;

namespace GossipFl.Learning.Models;

/// <summary>The optimizer a model trains with, and its hyper-parameters (PyTorch's meanings).</summary>
public abstract record OptimizerSpec(double LearningRate)
{
    public static OptimizerSpec Parse(string name, double learningRate, double momentum, double weightDecay, bool nesterov) =>
        name.ToLowerInvariant() switch
        {
            "sgd" => new SgdSpec(learningRate, momentum, weightDecay, nesterov),
            "adam" => new AdamSpec(learningRate, WeightDecay: weightDecay),
            _ => throw new FormatException($"unknown optimizer '{name}': use sgd or adam"),
        };
}

/// <summary>torch.optim.SGD: momentum, L2 weight decay, optional Nesterov momentum.</summary>
public sealed record SgdSpec(double LearningRate, double Momentum = 0, double WeightDecay = 0, bool Nesterov = false)
    : OptimizerSpec(LearningRate)
{
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"SGD lr {LearningRate}, momentum {Momentum}{(Nesterov ? " (Nesterov)" : "")}, weight decay {WeightDecay}");
}

/// <summary>torch.optim.Adam with its usual defaults.</summary>
public sealed record AdamSpec(double LearningRate, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double WeightDecay = 0)
    : OptimizerSpec(LearningRate)
{
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"Adam lr {LearningRate}, betas ({Beta1}, {Beta2}), eps {Eps}, weight decay {WeightDecay}");
}
