using System.CommandLine;

namespace GossipFl.Daemon.Cli;

/// <summary>The whole `gossipfl` command tree, shared by the executable and the in-process CLI tests.</summary>
internal static class GossipFlCli
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("GossipFl: serverless federated learning over one-way-trust peer topologies.");
        root.Subcommands.Add(StartCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(AverageCommand.Create());
        root.Subcommands.Add(TopologyCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(WatchCommand.Create());
        root.Subcommands.Add(PeersCommand.Create());
        root.Subcommands.Add(IdentityCommand.Create());
        root.Subcommands.Add(PrivacyCommand.Create());
        return root;
    }
}
