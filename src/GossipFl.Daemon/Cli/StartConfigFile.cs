using System.Reflection;
using System.Text.Json;
using GossipFl.Daemon.Node;
using Microsoft.Extensions.Configuration;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// Reads <c>gossipfl start --config FILE</c>: a JSON object whose keys are <see cref="DaemonSettings"/> property
/// names (any case), <c>//</c> comments allowed. A file can hold a node's whole configuration, so a service runs
/// <c>gossipfl start --config FILE</c> alone. Paths in it are relative to the file's own directory, not to
/// wherever the daemon happens to start (a service starts in <c>/</c>), and an unknown key is an error, so a
/// misspelt setting never silently does nothing.
/// </summary>
internal static class StartConfigFile
{
    /// <summary>Settings that always name a file or directory.</summary>
    private static readonly string[] PathKeys =
    [
        nameof(DaemonSettings.Topology), nameof(DaemonSettings.DataDir), nameof(DaemonSettings.PskFile),
        nameof(DaemonSettings.Data), nameof(DaemonSettings.TestData), nameof(DaemonSettings.Init),
    ];

    private static readonly HashSet<string> Keys = typeof(DaemonSettings)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.Name)
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The file's settings as configuration keys (<c>Peer:0</c> for list items), paths made absolute.</summary>
    public static Dictionary<string, string?> Read(FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"{file.FullName}: no such config file");
        }

        IConfigurationRoot parsed;
        try
        {
            parsed = new ConfigurationBuilder().AddJsonFile(file.FullName, optional: false).Build();
        }
        catch (InvalidDataException ex)
        {
            // The parser's own words (with line and byte position) are two wrappers down.
            var reason = ex.InnerException?.InnerException as JsonException ?? ex.InnerException ?? ex;
            throw new UsageException($"{file.FullName}: not a JSON object of settings: {reason.Message}");
        }

        var directory = file.DirectoryName ?? Directory.GetCurrentDirectory();
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in parsed.AsEnumerable())
        {
            var top = key.Split(ConfigurationPath.KeyDelimiter)[0];
            if (!Keys.Contains(top))
            {
                throw new UsageException(
                    $"{file.FullName}: unknown setting '{top}'; the keys are the start options' names in PascalCase, e.g. \"Rounds\", \"DataDir\", \"Topology\" (gossipfl start --help lists the options)");
            }

            if (value is null)
            {
                // A section (an object or a list) itself; its items come as their own keys.
                continue;
            }

            settings[key] = IsPath(top, value) ? Path.GetFullPath(value, directory) : value;
        }

        return settings;
    }

    // Model and Dataset take either a name (mlp, fashion-mnist) or a file; they are files by the same rules
    // ModelSpec and DatasetCatalog apply.
    private static bool IsPath(string key, string value) =>
        value.Length > 0 && (
            PathKeys.Contains(key, StringComparer.OrdinalIgnoreCase)
            || (key.Equals(nameof(DaemonSettings.Model), StringComparison.OrdinalIgnoreCase)
                && (value.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || value.Contains('/', StringComparison.Ordinal)))
            || (key.Equals(nameof(DaemonSettings.Dataset), StringComparison.OrdinalIgnoreCase)
                && value.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)));
}
