using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Models;

namespace GossipFl.Learning.Tests.Algorithms;

/// <summary>A learner that never changes the model (learning rate 0): what is left is pure averaging.</summary>
internal sealed class FixedLearner(int parameterCount, int sampleCount = 1) : ILocalLearner
{
    public int ParameterCount => parameterCount;

    public int SampleCount => sampleCount;

    public double Train(long round, ReadOnlySpan<float> model, Span<float> target) => 0.0;

    public Evaluation Evaluate(ReadOnlySpan<float> model) => new(double.NaN, double.NaN);
}
