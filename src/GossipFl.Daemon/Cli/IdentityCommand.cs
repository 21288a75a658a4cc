using System.CommandLine;
using GossipFl.Daemon.Node;
using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl identity --data-dir DIR</c> (or <c>--config FILE</c>, taking the node's data directory from it): loads
/// the node's identity key, creating it as <c>gossipfl start</c> would when there is none, and prints its fingerprint
/// in the form topology files pin (<c>sha256:HEX</c>). A rollout collects every host's fingerprint this way before
/// any daemon starts, so the shared topology can pin all of them from the first round on.
/// </summary>
internal static class IdentityCommand
{
    public static Command Create()
    {
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "the node's data directory (where identity.key lives)" };
        var config = new Option<FileInfo?>("--config") { Description = "a start config file; its \"DataDir\" (and \"Node\") name the data directory" };
        var command = new Command("identity", "Print this node's identity key fingerprint (sha256:HEX), creating the key if the data directory has none.")
        {
            dataDir,
            config,
        };
        command.SetAction((parse, _) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var directory = ResolveDataDirectory(parse.GetValue(dataDir), parse.GetValue(config));
            var existed = File.Exists(Path.Combine(directory, NodeIdentity.FileName));
            using var identity = NodeIdentity.LoadOrCreate(directory);
            if (!existed)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"created {Path.Combine(directory, NodeIdentity.FileName)}").ConfigureAwait(false);
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync("sha256:" + identity.Fingerprint).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static string ResolveDataDirectory(DirectoryInfo? dataDir, FileInfo? config)
    {
        if (dataDir is not null)
        {
            return dataDir.FullName;
        }

        if (config is null)
        {
            throw new UsageException("give --data-dir DIR (the node's data directory) or --config FILE (a start config with \"DataDir\")");
        }

        var settings = StartConfigFile.Read(config);
        if (settings.TryGetValue(nameof(DaemonSettings.DataDir), out var fromFile) && !string.IsNullOrEmpty(fromFile))
        {
            return fromFile;
        }

        // The daemon's own default, ./gossipfl-data/NODE, depends on where it is started; a key made there by this
        // command might never be the one the daemon reads.
        throw new UsageException($"{config.FullName} has no \"DataDir\"; give --data-dir DIR");
    }
}
