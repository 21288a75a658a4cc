using System.Globalization;
using GossipFl.Learning.Algorithms;

namespace GossipFl.Daemon.Node;

/// <summary>
/// What one evaluation of a node's model measured: on the shared test set (null when the node has none) and on its
/// own held-out validation data (null when it has none). All null in a round that was not evaluated.
/// </summary>
internal readonly record struct Evaluated(double? TestLoss, double? TestAccuracy, double? ValidationLoss, double? ValidationAccuracy)
{
    public static Evaluated None => default;

    /// <summary>Evaluates <paramref name="model"/> on whatever evaluation data <paramref name="learner"/> holds.</summary>
    public static Evaluated Of(ILocalLearner learner, ReadOnlySpan<float> model)
    {
        ArgumentNullException.ThrowIfNull(learner);
        double? testLoss = null, testAccuracy = null;
        if (learner.HasTestData)
        {
            var test = learner.Evaluate(model);
            (testLoss, testAccuracy) = (test.Loss, test.Accuracy);
        }

        var validation = learner.Validate(model);
        return new Evaluated(testLoss, testAccuracy, validation?.Loss, validation?.Accuracy);
    }

    /// <summary>", validation accuracy 81.20%, test accuracy 79.85%" for a round's log line; empty when nothing was measured.</summary>
    public string Describe() =>
        (ValidationAccuracy is { } v ? string.Create(CultureInfo.InvariantCulture, $", validation accuracy {v:0.00%}") : "")
        + (TestAccuracy is { } t ? string.Create(CultureInfo.InvariantCulture, $", test accuracy {t:0.00%}") : "");
}
