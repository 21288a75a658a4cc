using GossipFl.Learning.Data;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Topology.Files;

namespace GossipFl.Learning.Simulation;

/// <summary>
/// What one node learns from its own data (a daemon's <c>--data</c>): all of <paramref name="DataPath"/>, less a
/// seeded, stratified validation split, on the task every peer declared in the topology.
/// </summary>
/// <param name="DataPath">The node's data: a file or a directory (<see cref="LocalData"/>).</param>
/// <param name="Task">The contract the data is validated against and shaped by.</param>
/// <param name="Model">The model every peer trains.</param>
/// <param name="TestDataPath">A shared benchmark set to evaluate on as well, or null.</param>
/// <param name="ValidationFraction">Share of each class held out for validation, in [0, 1).</param>
/// <param name="Reading">How files are read (e.g. a CSV's label column).</param>
/// <param name="BatchSize">Samples per step.</param>
/// <param name="LearningRate">Plain SGD step size.</param>
/// <param name="Work">Local steps (or epochs) per round.</param>
/// <param name="Seed">Seeds the initial parameters (shared by all peers), the validation split and the data order.</param>
/// <param name="Node">This node's index in the topology (salts its data order).</param>
public sealed record OwnDataSpec(
    string DataPath,
    TaskDeclaration Task,
    ModelSpec Model,
    string? TestDataPath,
    double ValidationFraction,
    LocalDataOptions Reading,
    int BatchSize,
    double LearningRate,
    LocalWork Work,
    ulong Seed,
    int Node)
{
    public const double DefaultValidationFraction = 0.1;
}
