using GossipFl.Learning.Models;

namespace GossipFl.Learning.Algorithms;

/// <summary>
/// A node's local training on its own data. The algorithm hands it the model to compute updates at and the
/// vector the updates go to: they differ under push-sum (gradients at the de-biased z = x / w, applied to x,
/// as in OPS Algorithm 1) and are the same vector otherwise. One instance per node; the same instance, with
/// the same seed, gives the same result whether the simulator or a daemon calls it.
/// </summary>
public interface ILocalLearner
{
    /// <summary>Length of the flat parameter vector.</summary>
    int ParameterCount { get; }

    /// <summary>Samples the node holds (FedAvg weights clients by it).</summary>
    int SampleCount { get; }

    /// <summary>
    /// Trains for round <paramref name="round"/>: computes the local update at <paramref name="model"/> and adds
    /// it to <paramref name="target"/> (the two may be the same memory). Returns the mean loss on the samples
    /// used, each measured before the update it causes (the online regret's term).
    /// </summary>
    double Train(long round, ReadOnlySpan<float> model, Span<float> target);

    /// <summary>Loss and accuracy of <paramref name="model"/> on the learner's test data (NaN when it has none).</summary>
    Evaluation Evaluate(ReadOnlySpan<float> model);

    /// <summary>Whether the learner holds a shared test set that <see cref="Evaluate"/> measures on.</summary>
    bool HasTestData => true;

    /// <summary>
    /// Loss and accuracy of <paramref name="model"/> on the node's own held-out validation data, or null when the
    /// learner has none (an experiment on one shared data set is judged on its shared test set instead).
    /// </summary>
    Evaluation? Validate(ReadOnlySpan<float> model) => null;
}
