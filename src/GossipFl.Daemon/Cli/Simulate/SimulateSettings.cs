using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Files;

namespace GossipFl.Daemon.Cli.Simulate;

/// <summary>A validated <c>gossipfl simulate</c> request: flags over topology-file defaults over built-in defaults.</summary>
internal sealed record SimulateSettings(
    TopologyDocument Topology,
    string TopologyDescription,
    AlgorithmKind Algorithm,
    WorkloadSpec Workload,
    SimulationOptions Options,
    string? OutputDirectory);
