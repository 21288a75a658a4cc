using System.CommandLine;
using GossipFl.Daemon.Cli.Topology;

namespace GossipFl.Daemon.Cli;

/// <summary><c>gossipfl topology check|show|generate</c>: inspect and produce trust topology files.</summary>
internal static class TopologyCommand
{
    public static Command Create()
    {
        var command = new Command("topology", "Check, show and generate trust topology files (see docs/topology.md).");
        command.Subcommands.Add(TopologyCheckCommand.Create());
        command.Subcommands.Add(TopologyShowCommand.Create());
        command.Subcommands.Add(TopologyGenerateCommand.Create());
        return command;
    }
}
