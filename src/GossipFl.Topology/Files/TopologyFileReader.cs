using System.Text.RegularExpressions;

namespace GossipFl.Topology.Files;

/// <summary>
/// Reads topology files (schema version 1, see docs/topology.md). YAML is loaded into YamlDotNet's
/// representation model so every node keeps its position; validation then walks the whole file and
/// collects every problem with its line and column before throwing one <see cref="TopologyException"/>,
/// so <c>gossipfl topology check</c> can list them all at once.
/// </summary>
public static partial class TopologyFileReader
{
    public const int CurrentVersion = 1;

    private static readonly string[] RootKeys = ["version", "name", "description", "nodes", "generator", "training"];
    private static readonly string[] NodeKeys = ["name", "trusts", "address", "fingerprint"];
    private static readonly string[] GeneratorKeys = ["name", "nodes", "seed", "parameters", "time_varying", "names"];
    private static readonly string[] TrainingKeys =
        ["algorithm", "task", "model", "dataset", "partition", "rounds", "local_steps", "batch_size", "learning_rate", "seed", "local_epochs", "client_fraction", "quorum", "mode", "staleness", "aggregation", "compress", "consensus_step",
         "dp_clip", "dp_noise", "dp_epsilon_target", "dp_sample_clip", "dp_sample_noise", "dp_delta", "dp_epsilon_budget", "secure_aggregation"];

    private static readonly string[] TaskKeys = ["input", "classes", "range", "normalize", "resize"];

    private static readonly string[] NormalizeKeys = ["mean", "std"];

    /// <summary>Largest number of classes a task may declare as a count; keeps a typo from making a huge output layer.</summary>
    public const int MaxClassCount = 100_000;

    /// <summary>Largest node count a file may ask a generator for; keeps a typo from allocating gigabytes.</summary>
    public const int MaxGeneratedNodes = 1_000_000;

    public static TopologyDocument Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new TopologyException(path, new TopologyProblem("is a directory, not a topology file"));
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TopologyException(path, new TopologyProblem("no such file"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TopologyException(path, new TopologyProblem($"cannot read the file: {ex.Message}"));
        }

        return Parse(text, path);
    }

    /// <summary>Parses topology YAML; <paramref name="path"/> only labels messages.</summary>
    public static TopologyDocument Parse(string text, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var context = new Context(path);
        var document = context.Read(text);
        if (context.Problems.Count > 0 || document is null)
        {
            // Report in reading order, whatever order validation found them in; positionless problems last.
            var problems = context.Problems
                .OrderBy(p => p.Line ?? int.MaxValue).ThenBy(p => p.Column ?? 0)
                .ToArray();
            throw new TopologyException(path, problems.Length > 0 ? problems : [new TopologyProblem("invalid topology")]);
        }

        return document;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", RegexOptions.CultureInvariant)]
    internal static partial Regex NodeNamePattern();

    [GeneratedRegex("^sha256:[0-9a-fA-F]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex FingerprintPattern();
}
