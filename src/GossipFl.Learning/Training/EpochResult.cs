using GossipFl.Learning.Models;

namespace GossipFl.Learning.Training;

/// <summary>One epoch of centralized training: the mean training loss seen during it, and the held-out result after it.</summary>
public readonly record struct EpochResult(int Epoch, double TrainLoss, Evaluation Test, TimeSpan Elapsed);
