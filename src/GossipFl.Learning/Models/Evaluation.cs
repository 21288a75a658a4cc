namespace GossipFl.Learning.Models;

/// <summary>Mean cross-entropy loss and top-1 accuracy (a fraction in [0, 1]) over a data set.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy);
