using GossipFl.Daemon.Cli;

return await GossipFlCli.CreateRoot().Parse(args).InvokeAsync().ConfigureAwait(false);
