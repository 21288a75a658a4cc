using System.Globalization;
using GossipFl.Topology.Files;

namespace GossipFl.Learning.Models;

/// <summary>
/// What it takes to rebuild a trained model and use it on raw files: the architecture, the input shape and class
/// count it was built for, and the task contract that maps a file's raw values to inputs (null for an experiment on
/// a data set the program loads itself, such as <c>synthetic</c>). Travels as string metadata: in an exported
/// safetensors file's <c>__metadata__</c>, and in a daemon's data directory (<c>model.json</c>).
/// </summary>
public sealed record ModelDescription(ModelSpec Model, IReadOnlyList<int> InputShape, int ClassCount, TaskDeclaration? Task)
{
    public const string ModelKey = "gossipfl.model";
    public const string InputShapeKey = "gossipfl.input_shape";
    public const string ClassCountKey = "gossipfl.class_count";
    public const string TaskKey = "gossipfl.task";
    public const string TorchScriptKey = "gossipfl.torchscript";

    /// <summary>The string metadata that <see cref="FromMetadata"/> reads back.</summary>
    public Dictionary<string, string> ToMetadata()
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ModelKey] = Model.Kind == ModelKind.TorchScript ? "torchscript" : Model.ToString(),
            [InputShapeKey] = string.Join(",", InputShape.Select(d => d.ToString(CultureInfo.InvariantCulture))),
            [ClassCountKey] = ClassCount.ToString(CultureInfo.InvariantCulture),
        };
        if (Model.TorchScriptPath is { } path)
        {
            metadata[TorchScriptKey] = Path.GetFullPath(path);
        }

        if (Task is not null)
        {
            metadata[TaskKey] = Task.ToJson();
        }

        return metadata;
    }

    /// <summary>Reads <see cref="ToMetadata"/>'s keys; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="FormatException">A key is missing or malformed; the message names it and the file.</exception>
    public static ModelDescription FromMetadata(IReadOnlyDictionary<string, string> metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        string Get(string key) => metadata.TryGetValue(key, out var value)
            ? value
            : throw new FormatException($"{source}: the metadata has no '{key}' (was the file written by gossipfl?)");
        try
        {
            var modelText = Get(ModelKey);
            var model = modelText == "torchscript"
                ? ModelSpec.TorchScript(metadata.TryGetValue(TorchScriptKey, out var path) ? path : throw new FormatException($"{source}: a TorchScript model's metadata needs '{TorchScriptKey}'"))
                : ModelSpec.Parse(modelText);
            var shape = Get(InputShapeKey).Split(',').Select(d => int.Parse(d, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
            var classes = int.Parse(Get(ClassCountKey), NumberStyles.None, CultureInfo.InvariantCulture);
            var task = metadata.TryGetValue(TaskKey, out var json) ? TaskDeclaration.FromJson(json) : null;
            if (shape.Length == 0 || shape.Any(d => d <= 0) || classes < 2)
            {
                throw new FormatException($"{source}: input shape [{string.Join(", ", shape)}] or class count {classes} is not usable");
            }

            return new ModelDescription(model, shape, classes, task);
        }
        catch (Exception ex) when (ex is OverflowException || (ex is FormatException && !ex.Message.StartsWith(source, StringComparison.Ordinal)))
        {
            throw new FormatException($"{source}: the model metadata is not usable: {ex.Message}", ex);
        }
    }
}
