namespace GossipFl.Learning.Simulation;

/// <summary>Reported after each round.</summary>
public readonly record struct SimulationProgress(long Round, long Rounds, double MeanTrainLoss, double? MeanTestAccuracy);
