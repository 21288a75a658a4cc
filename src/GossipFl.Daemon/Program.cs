using GossipFl.Daemon.Cli;
using GossipFl.Daemon.Node;

NativeHeap.UseOneArena();
return await GossipFlCli.CreateRoot().Parse(args).InvokeAsync().ConfigureAwait(false);
