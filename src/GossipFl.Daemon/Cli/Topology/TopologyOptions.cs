using System.CommandLine;

namespace GossipFl.Daemon.Cli.Topology;

/// <summary>Options shared by the topology subcommands.</summary>
internal static class TopologyOptions
{
    public static Option<long> Round() => new("--round")
    {
        Description = "Round whose graph to use (matters only for time-varying topologies).",
        DefaultValueFactory = _ => 0,
    };
}
