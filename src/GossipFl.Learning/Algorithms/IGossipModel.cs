using GossipFl.Learning.Robustness;

namespace GossipFl.Learning.Algorithms;

/// <summary>What a daemon records of a gossip node after each round, whichever node class runs the algorithm.</summary>
public interface IGossipModel
{
    int Index { get; }

    AlgorithmKind Algorithm { get; }

    /// <summary>The parameter vector x (push-sum's numerator), which checkpoints save.</summary>
    float[] X { get; }

    /// <summary>The push-sum weight (1 for schemes without weights).</summary>
    double Weight { get; }

    /// <summary>Writes the model (x/w under push-sum, x otherwise) into <paramref name="destination"/>.</summary>
    void CopyModel(Span<float> destination);

    /// <summary>What the last round's robust rule did with each sender's contribution (empty where no rule judges them).</summary>
    IReadOnlyList<ContributionVerdict> LastVerdicts { get; }
}
