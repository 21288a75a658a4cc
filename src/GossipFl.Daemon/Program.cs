using System.CommandLine;
using GossipFl.Daemon.Cli;

var root = new RootCommand("GossipFl: serverless federated learning over one-way-trust peer topologies.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(TopologyCommand.Create());
root.Subcommands.Add(SimulateCommand.Create());

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
