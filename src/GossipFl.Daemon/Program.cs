using GossipFl.Daemon.Cli;
using GossipFl.Daemon.Node;

// A daemon trains one node on one thread at a time, so one malloc arena costs it nothing; `simulate` trains many
// nodes on parallel threads, whose allocations one arena would serialise, and `train` runs libtorch's own threads.
if (args.Length > 0 && args[0] == "start")
{
    NativeHeap.UseOneArena();
}

return await GossipFlCli.InvokeAsync(args).ConfigureAwait(false);
