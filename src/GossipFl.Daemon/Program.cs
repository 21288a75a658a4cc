using System.CommandLine;
using GossipFl.Daemon.Cli;

var root = new RootCommand("GossipFl: serverless federated learning over one-way-trust peer topologies.");
root.Subcommands.Add(PeersCommand.Create());

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
