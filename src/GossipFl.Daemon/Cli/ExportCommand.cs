using System.CommandLine;
using GossipFl.Daemon.Node;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl export --data-dir DIR [--round R] -o FILE</c>: a node's de-biased model from one of its kept
/// checkpoints as a safetensors file (PyTorch state_dict names, docs/models.md) or, for a TorchScript model, a
/// TorchScript file with the trained parameters.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var dataDir = new Option<DirectoryInfo>("--data-dir") { Description = "the node's data directory (gossipfl start --data-dir)", Required = true };
        var round = new Option<long?>("--round") { Description = "the round to export (default: the newest checkpoint; the newest few are kept)" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "the file to write: .safetensors, or .pt for a TorchScript model", Required = true };
        var command = new Command("export", "Write a node's trained model as a .safetensors (or TorchScript .pt) file that PyTorch reads.") { dataDir, round, output };
        command.SetAction((parse, _) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var directory = parse.GetValue(dataDir)!;
            if (!directory.Exists)
            {
                throw new DirectoryNotFoundException($"{directory.FullName} does not exist");
            }

            var target = parse.GetValue(output)!.FullName;
            if (!target.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) && !target.EndsWith(".pt", StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"-o {target}: the file name must end in .safetensors or .pt (TorchScript models only)");
            }

            long exported;
            try
            {
                exported = NodeModelFiles.Export(directory.FullName, parse.GetValue(round), target);
            }
            catch (FormatException ex)
            {
                throw new UsageException(ex.Message);
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync($"wrote round {exported} of {directory.FullName} to {target}").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
