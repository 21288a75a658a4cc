using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Models;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>f(v) = ½|v − target|²: one gradient step per round at the model, added to the target vector; optionally slow.</summary>
internal sealed class QuadraticLearner(int length, float target, double learningRate, TimeSpan delay) : ILocalLearner
{
    public int ParameterCount => length;

    public int SampleCount => 1;

    public double Train(long round, ReadOnlySpan<float> model, Span<float> update)
    {
        if (delay > TimeSpan.Zero)
        {
            Thread.Sleep(delay);
        }

        var loss = 0.0;
        for (var k = 0; k < model.Length; k++)
        {
            var difference = model[k] - target;
            loss += 0.5 * difference * difference;
            update[k] -= (float)(learningRate * difference);
        }

        return loss;
    }

    public Evaluation Evaluate(ReadOnlySpan<float> model) => new(0, 0);
}
