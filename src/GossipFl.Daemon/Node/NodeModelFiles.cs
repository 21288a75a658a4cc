using System.Globalization;
using System.Reflection;
using System.Text.Json;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Models;
using GossipFl.Learning.Torch;

namespace GossipFl.Daemon.Node;

/// <summary>
/// A node's model as files other tools read (docs/models.md). At start the daemon records what its model is in
/// <c>DATA/model.json</c> (the <see cref="ModelDescription"/> and run facts, as string metadata); when it finishes it
/// writes <c>DATA/final.safetensors</c> (<c>final.pt</c> for a TorchScript model); <c>gossipfl export</c> turns any
/// kept checkpoint into either form. The exported values are the node's de-biased model, z = x / w under push-sum,
/// and the global model under FedAvg (whose checkpoints hold it with w = 1).
/// </summary>
internal static class NodeModelFiles
{
    public const string DescriptionFile = "model.json";
    public const string RoundKey = "gossipfl.round";
    public const string AlgorithmKey = "gossipfl.algorithm";
    public const string NodeKey = "gossipfl.node";
    public const string SignatureKey = "gossipfl.signature";
    public const string VersionKey = "gossipfl.version";

    // Relaxed escaping keeps the task's quotes readable in model.json; the file is never embedded in HTML.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Version { get; } =
        typeof(NodeModelFiles).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    /// <summary>The metadata of a node's model: its description plus the algorithm, node, task signature and version.</summary>
    public static Dictionary<string, string> Metadata(ModelDescription description, string algorithm, string node, string signature)
    {
        var metadata = description.ToMetadata();
        metadata[AlgorithmKey] = algorithm;
        metadata[NodeKey] = node;
        metadata[SignatureKey] = signature;
        metadata[VersionKey] = Version;
        return metadata;
    }

    public static void WriteDescription(string dataDirectory, IReadOnlyDictionary<string, string> metadata)
    {
        var path = Path.Combine(dataDirectory, DescriptionFile);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(metadata, Indented) + "\n");
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <exception cref="FileNotFoundException">The directory holds no model.json (no daemon ran there).</exception>
    /// <exception cref="FormatException">model.json is not a flat object of strings.</exception>
    public static Dictionary<string, string> ReadDescription(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, DescriptionFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist: is {dataDirectory} a node's data directory (--data-dir of gossipfl start)?", path);
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? throw new FormatException($"{path}: empty");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path}: not a model description: {ex.Message}", ex);
        }
    }

    /// <summary>The name of the final model file for a model kind: TorchScript stays TorchScript.</summary>
    public static string FinalFile(ModelSpec model) => model.Kind == ModelKind.TorchScript ? "final.pt" : "final.safetensors";

    /// <summary>Writes <paramref name="model"/> (already de-biased) of <paramref name="round"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, ModelDescription description, IReadOnlyDictionary<string, string> metadata, long round, ReadOnlySpan<float> model)
    {
        using var engine = TorchModel.Create(description.Model, description.InputShape, description.ClassCount);
        var withRound = new Dictionary<string, string>(metadata, StringComparer.Ordinal) { [RoundKey] = round.ToString(CultureInfo.InvariantCulture) };
        ModelFile.Save(path, engine, model, withRound);
    }

    /// <summary>
    /// <c>gossipfl export</c>: the de-biased model of a kept checkpoint (the newest, or <paramref name="round"/>) of the
    /// node in <paramref name="dataDirectory"/>, written to <paramref name="output"/>. Returns the round exported.
    /// </summary>
    public static long Export(string dataDirectory, long? round, string output)
    {
        var metadata = ReadDescription(dataDirectory);
        var description = ModelDescription.FromMetadata(metadata, Path.Combine(dataDirectory, DescriptionFile));
        using var engine = TorchModel.Create(description.Model, description.InputShape, description.ClassCount);
        var store = new CheckpointStore(dataDirectory, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var rounds = store.Rounds();
        var chosen = round ?? (rounds.Count > 0 ? rounds[^1] : throw new InvalidDataException($"{store.Directory} holds no checkpoint yet: the node has not finished a round"));
        var checkpoint = store.Load(chosen, engine.ParameterCount);
        var model = checkpoint.Model();
        Write(output, description, metadata, chosen, model);
        return chosen;
    }
}
