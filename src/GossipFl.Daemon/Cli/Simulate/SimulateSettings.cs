using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Files;

namespace GossipFl.Daemon.Cli.Simulate;

/// <summary>
/// A validated <c>gossipfl simulate</c> request: flags over topology-file defaults over built-in defaults; <see cref="Warnings"/>
/// are settings that run but not as their names suggest, said once on stderr before the run.
/// </summary>
internal sealed record SimulateSettings(
    TopologyDocument Topology,
    string TopologyDescription,
    AlgorithmKind Algorithm,
    WorkloadSpec Workload,
    SimulationOptions Options,
    string? OutputDirectory,
    IReadOnlyList<string>? Warnings = null);
