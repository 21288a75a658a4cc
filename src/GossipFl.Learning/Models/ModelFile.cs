using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Models;

/// <summary>
/// Trained models as files other tools read. A <c>.safetensors</c> file holds one tensor per parameter, named and
/// shaped as PyTorch's <c>state_dict()</c> of the equivalent <c>torch.nn</c> module (docs/models.md), with a
/// <see cref="ModelDescription"/> and run facts in its <c>__metadata__</c>; a <c>.pt</c> file is a TorchScript module
/// with the trained parameters written back, for <c>torch.jit.load</c>. Reading checks every name, shape and dtype
/// against the model the values are for, and says every mismatch at once.
/// </summary>
public static class ModelFile
{
    /// <summary>Hugging Face tools look for this in the metadata: the tensors are PyTorch's.</summary>
    private static readonly KeyValuePair<string, string> PyTorchFormat = new("format", "pt");

    public static bool IsTorchScript(string path) => path.EndsWith(".pt", StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes <paramref name="parameters"/> (flat, in <paramref name="engine"/>'s order) as a safetensors or TorchScript file.</summary>
    public static void Save(string path, TorchModel engine, ReadOnlySpan<float> parameters, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(engine);
        if (IsTorchScript(path))
        {
            // TorchScript keeps the module's own code; only the parameter values change.
            engine.SetParameters(parameters);
            var temporary = path + ".tmp";
            engine.SaveTorchScript(temporary);
            File.Move(temporary, path, overwrite: true);
            return;
        }

        SafeTensorsFile.Write(path, Tensors(engine, parameters), WithFormat(metadata));
    }

    /// <summary>The safetensors bytes of <paramref name="parameters"/> (for the status endpoint's <c>/model</c>).</summary>
    public static byte[] ToSafeTensors(IReadOnlyList<ParameterInfo> layout, ReadOnlySpan<float> parameters, IReadOnlyDictionary<string, string> metadata) =>
        SafeTensorsFile.ToBytes(Tensors(layout, parameters), WithFormat(metadata));

    /// <summary>
    /// The flat parameter vector for <paramref name="engine"/> from a safetensors file or a TorchScript file with
    /// trained weights: every tensor the model has must be there with its shape and a float dtype, and nothing else.
    /// </summary>
    /// <exception cref="ModelFileException">Names, shapes or dtypes do not fit; one line per mismatch.</exception>
    /// <exception cref="SafeTensorsFormatException">The file is not a well-formed safetensors file.</exception>
    public static float[] ReadParameters(string path, TorchModel engine)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(engine);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"model file {path} does not exist", path);
        }

        var layout = engine.ParameterLayout();
        var values = new float[engine.ParameterCount];
        if (IsTorchScript(path))
        {
            using var source = TorchModel.Create(ModelSpec.TorchScript(path), engine.InputShape, engine.ClassCount);
            var theirs = source.ParameterLayout();
            var problems = Compare(layout, theirs.ToDictionary(p => p.Name, p => (p.Shape, "F32"), StringComparer.Ordinal));
            if (problems.Count > 0)
            {
                throw new ModelFileException(path, problems);
            }

            source.GetParameters(values);
            return values;
        }

        var (tensors, _) = SafeTensorsFile.Read(path);
        var byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var mismatches = Compare(layout, byName.ToDictionary(t => t.Key, t => (t.Value.Shape, t.Value.DType), StringComparer.Ordinal));
        if (mismatches.Count > 0)
        {
            throw new ModelFileException(path, mismatches);
        }

        foreach (var parameter in layout)
        {
            byName[parameter.Name].ToFloats().CopyTo(values.AsSpan(parameter.Offset, parameter.Count));
        }

        return values;
    }

    /// <summary>
    /// Rebuilds a trained model from its file: a safetensors file says in its metadata what it is; a TorchScript file
    /// needs <paramref name="fallback"/> (e.g. from the topology's task) for its input shape and classes.
    /// </summary>
    public static (TorchModel Model, ModelDescription Description) Open(string path, ModelDescription? fallback)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"model file {path} does not exist", path);
        }

        if (IsTorchScript(path))
        {
            var shape = fallback ?? throw new ModelFileException(path,
                ["a TorchScript file does not say what it was trained on: give --topology FILE with a training: task: section"]);
            var description = shape with { Model = ModelSpec.TorchScript(path) };
            return (TorchModel.Create(description.Model, description.InputShape, description.ClassCount), description);
        }

        var (_, metadata) = SafeTensorsFile.Read(path);
        ModelDescription described;
        try
        {
            described = ModelDescription.FromMetadata(metadata, path);
        }
        catch (FormatException) when (fallback is not null)
        {
            described = fallback;
        }
        catch (FormatException ex)
        {
            throw new ModelFileException(path, [ex.Message[(path.Length + 2)..]]);
        }

        if (fallback?.Task is { } task && described.Task is null)
        {
            described = described with { Task = task };
        }

        var model = TorchModel.Create(described.Model, described.InputShape, described.ClassCount);
        try
        {
            model.SetParameters(ReadParameters(path, model));
            return (model, described);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static List<SafeTensor> Tensors(TorchModel engine, ReadOnlySpan<float> parameters) => Tensors(engine.ParameterLayout(), parameters);

    private static List<SafeTensor> Tensors(IReadOnlyList<ParameterInfo> layout, ReadOnlySpan<float> parameters)
    {
        var total = layout.Sum(p => p.Count);
        if (parameters.Length != total)
        {
            throw new ArgumentException($"the model has {total} parameters, the vector holds {parameters.Length}", nameof(parameters));
        }

        var tensors = new List<SafeTensor>(layout.Count);
        foreach (var parameter in layout)
        {
            tensors.Add(SafeTensor.FromFloats(parameter.Name, parameter.Shape, parameters.Slice(parameter.Offset, parameter.Count)));
        }

        return tensors;
    }

    private static Dictionary<string, string> WithFormat(IReadOnlyDictionary<string, string> metadata)
    {
        var all = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        all.TryAdd(PyTorchFormat.Key, PyTorchFormat.Value);
        return all;
    }

    private static List<string> Compare(IReadOnlyList<ParameterInfo> expected, Dictionary<string, (IReadOnlyList<long> Shape, string DType)> found)
    {
        var problems = new List<string>();
        foreach (var parameter in expected)
        {
            if (!found.TryGetValue(parameter.Name, out var tensor))
            {
                problems.Add($"tensor '{parameter.Name}' [{string.Join(", ", parameter.Shape)}] is missing");
                continue;
            }

            if (!tensor.Shape.SequenceEqual(parameter.Shape))
            {
                problems.Add($"tensor '{parameter.Name}' is [{string.Join(", ", tensor.Shape)}], the model's is [{string.Join(", ", parameter.Shape)}]");
            }

            if (tensor.DType is not (SafeTensorDType.F32 or SafeTensorDType.F64 or SafeTensorDType.F16 or SafeTensorDType.BF16))
            {
                problems.Add($"tensor '{parameter.Name}' is {tensor.DType}; parameters are floating point (F32, F16, BF16 or F64)");
            }
        }

        var known = expected.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in found.Keys.Where(name => !known.Contains(name)).Order(StringComparer.Ordinal))
        {
            problems.Add($"tensor '{extra}' is not a parameter of this model (its parameters: {string.Join(", ", expected.Select(p => p.Name))})");
        }

        return problems;
    }
}
