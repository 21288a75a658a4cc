using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using GossipFl.Learning.Data;
using GossipFl.Learning.Models;
using GossipFl.Learning.Privacy;

namespace GossipFl.Learning.Torch;

/// <summary>
/// A classifier trained by libtorch. Samples go in as row-major float spans, parameters come out as one flat
/// float vector in the model's parameters() order; no torch type is visible. Not thread-safe: one caller at a time.
/// </summary>
public sealed unsafe class TorchModel : IDisposable
{
    /// <summary>Evaluation and prediction batch size: large enough to keep native calls coarse.</summary>
    public const int DefaultEvaluationBatch = 1000;

    /// <summary>About how many rows a data set held as byte codes is expanded at a time to be evaluated (3 MB of Fashion-MNIST).</summary>
    private const int EvaluationChunkRows = 1000;

    private readonly ModelHandle _handle;

    private TorchModel(ModelHandle handle, ModelSpec spec, IReadOnlyList<int> inputShape, int classCount)
    {
        _handle = handle;
        Spec = spec;
        InputShape = inputShape.ToArray();
        FeatureCount = inputShape.Aggregate(1, (a, b) => checked(a * b));
        ClassCount = classCount;
        NativeStatus.Check(NativeMethods.gf_model_parameter_count(_handle, out var count), "count parameters");
        ParameterCount = checked((int)count);
    }

    public ModelSpec Spec { get; }

    /// <summary>The native handle, for tests that check what the shim itself refuses behind the managed checks.</summary>
    internal ModelHandle Handle => _handle;

    public IReadOnlyList<int> InputShape { get; }

    public int FeatureCount { get; }

    public int ClassCount { get; }

    public int ParameterCount { get; }

    /// <summary>
    /// Builds the model with parameters drawn from libtorch's global generator seeded with <paramref name="seed"/>:
    /// the same seed gives the same initial parameters. Seeding and drawing happen under one process-wide lock, so
    /// models created at the same time on other threads cannot take draws in between. The model starts with plain
    /// SGD at 0.01.
    /// </summary>
    public static TorchModel Create(ModelSpec spec, IReadOnlyList<int> inputShape, int classCount, ulong seed)
    {
        lock (TorchRuntime.GeneratorGate)
        {
            TorchRuntime.Seed(seed);
            return Create(spec, inputShape, classCount);
        }
    }

    /// <summary>Builds a model shaped for the samples and classes of <paramref name="data"/>, seeded (see the overload with a shape).</summary>
    public static TorchModel Create(ModelSpec spec, Dataset data, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Create(spec, data.SampleShape, data.ClassCount, seed);
    }

    /// <summary>
    /// Builds the model with parameters drawn from wherever libtorch's global generator stands: use an overload
    /// with a seed for a reproducible start (or when the initial values are overwritten anyway, this one).
    /// </summary>
    public static TorchModel Create(ModelSpec spec, IReadOnlyList<int> inputShape, int classCount)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(inputShape);
        TorchRuntime.EnsureAvailable();
        lock (TorchRuntime.GeneratorGate)
        {
            return CreateUnderGate(spec, inputShape, classCount);
        }
    }

    private static TorchModel CreateUnderGate(ModelSpec spec, IReadOnlyList<int> inputShape, int classCount)
    {
        var shape = inputShape.Select(d => (long)d).ToArray();
        var hidden = spec.Hidden.Select(d => (long)d).ToArray();
        ModelHandle handle;
        int status;
        fixed (long* shapePointer = shape)
        fixed (long* hiddenPointer = hidden)
        {
            status = spec.Kind switch
            {
                ModelKind.LogReg => NativeMethods.gf_model_create(NativeMethods.ModelLogReg, shapePointer, shape.Length, null, 0, classCount, out handle),
                ModelKind.Mlp => NativeMethods.gf_model_create(NativeMethods.ModelMlp, shapePointer, shape.Length, hiddenPointer, hidden.Length, classCount, out handle),
                ModelKind.LeNet5 => NativeMethods.gf_model_create(NativeMethods.ModelLeNet5, shapePointer, shape.Length, null, 0, classCount, out handle),
                ModelKind.TorchScript => NativeMethods.gf_model_load_torchscript(
                    Path.GetFullPath(spec.TorchScriptPath!), shapePointer, shape.Length, classCount, out handle),
                _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown model kind"),
            };
        }

        if (status != NativeStatus.Ok)
        {
            handle.Dispose();
            NativeStatus.Check(status, $"create model {spec}");
        }

        return new TorchModel(handle, spec, inputShape, classCount);
    }

    /// <summary>Builds a model shaped for the samples and classes of <paramref name="data"/>.</summary>
    public static TorchModel Create(ModelSpec spec, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Create(spec, data.SampleShape, data.ClassCount);
    }

    /// <summary>Replaces the optimizer (and drops its state, e.g. momentum buffers).</summary>
    public void UseOptimizer(OptimizerSpec optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var status = optimizer switch
        {
            SgdSpec sgd => NativeMethods.gf_model_use_sgd(_handle, sgd.LearningRate, sgd.Momentum, sgd.WeightDecay, sgd.Nesterov ? 1 : 0),
            AdamSpec adam => NativeMethods.gf_model_use_adam(_handle, adam.LearningRate, adam.Beta1, adam.Beta2, adam.Eps, adam.WeightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, "unknown optimizer"),
        };
        NativeStatus.Check(status, $"set optimizer {optimizer}");
    }

    /// <summary>Sample-level DP-SGD as <see cref="Train(ReadOnlySpan{float}, ReadOnlySpan{long}, ReadOnlySpan{long}, int)"/> applies it, or null for plain gradients.</summary>
    public SampleDpSettings? SampleDp { get; private set; }

    /// <summary>
    /// Turns sample-level DP-SGD on for <see cref="Train(ReadOnlySpan{float}, ReadOnlySpan{long}, ReadOnlySpan{long}, int)"/>
    /// (null turns it off), with noise from a generator seeded from the operating system's cryptographic random
    /// source: the noise must not be predictable by anyone who sees the model.
    /// </summary>
    public void UseSampleDp(SampleDpSettings? settings)
    {
        Span<byte> seed = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(seed);
        UseSampleDp(settings, BinaryPrimitives.ReadUInt64LittleEndian(seed));
    }

    /// <summary>
    /// Turns sample-level DP-SGD on (null: off) with noise drawn from a generator of the model's own seeded with
    /// <paramref name="noiseSeed"/>, for reproducible experiments and tests; libtorch's global generator (initial
    /// parameters) and the data order are unaffected. Each optimizer step clips every sample's gradient to
    /// <see cref="SampleDpSettings.ClipNorm"/> (L2 over all parameters), adds N(0, (σC)²) per coordinate to the
    /// batch's sum and divides by the batch's size; the optimizer is unchanged. The generator's position is not
    /// saved with the optimizer state: a run resumed from a checkpoint must seed afresh, since noise drawn twice
    /// from one seed cancels in the difference of two updates.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The clipping norm is not positive and finite, or the noise multiplier negative or not finite.</exception>
    public void UseSampleDp(SampleDpSettings? settings, ulong noiseSeed)
    {
        if (settings is null)
        {
            NativeStatus.Check(NativeMethods.gf_model_disable_dp_sgd(_handle), "disable DP-SGD");
            SampleDp = null;
            return;
        }

        if (!(settings.ClipNorm > 0) || double.IsInfinity(settings.ClipNorm))
        {
            throw new ArgumentOutOfRangeException(
                nameof(settings), settings.ClipNorm, "The DP-SGD clipping norm must be a positive finite number.");
        }

        if (!(settings.NoiseMultiplier >= 0) || double.IsInfinity(settings.NoiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(
                nameof(settings), settings.NoiseMultiplier, "The DP-SGD noise multiplier must be a finite number not below 0.");
        }

        NativeStatus.Check(
            NativeMethods.gf_model_use_dp_sgd(_handle, settings.ClipNorm, settings.NoiseMultiplier, noiseSeed), $"enable {settings}");
        SampleDp = settings;
    }

    public void SetLearningRate(double learningRate) =>
        NativeStatus.Check(NativeMethods.gf_model_set_learning_rate(_handle, learningRate), "set learning rate");

    /// <summary>
    /// Trains on the samples listed in <paramref name="order"/> (all samples in order when it is empty), one
    /// optimizer step per batch. Returns the mean loss over those samples, each batch's loss taken before its step.
    /// </summary>
    public double Train(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, ReadOnlySpan<long> order, int batchSize)
    {
        var count = CheckRows(features, labels);
        fixed (float* x = features)
        fixed (long* y = labels)
        fixed (long* o = order)
        {
            NativeStatus.Check(
                NativeMethods.gf_model_train(_handle, x, y, count, order.IsEmpty ? null : o, order.Length, batchSize, out var loss),
                "train");
            return loss;
        }
    }

    public double Train(Dataset data, ReadOnlySpan<long> order, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Train(data.Features, data.Labels, order, batchSize);
    }

    public Evaluation Evaluate(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, int batchSize = DefaultEvaluationBatch)
    {
        var count = CheckRows(features, labels);
        fixed (float* x = features)
        fixed (long* y = labels)
        {
            NativeStatus.Check(NativeMethods.gf_model_evaluate(_handle, x, y, count, batchSize, out var loss, out var accuracy), "evaluate");
            return new Evaluation(loss, accuracy);
        }
    }

    /// <summary>
    /// Loss and accuracy on <paramref name="data"/>. A data set still held as byte codes (a shared test set) is
    /// expanded a few thousand rows at a time into one reused buffer, never whole: 31 MB of floats less in every
    /// Fashion-MNIST daemon. The chunks are whole batches and the loss is one running sum across them, so the
    /// result has the same bits as evaluating the expanded floats in one call.
    /// </summary>
    public Evaluation Evaluate(Dataset data, int batchSize = DefaultEvaluationBatch)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.IsExpanded || !data.HoldsCodes)
        {
            return Evaluate(data.Features, data.Labels, batchSize);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (data.FeatureCount != FeatureCount)
        {
            throw new ArgumentException($"{data.Name} has {data.FeatureCount} features per sample, this model takes {FeatureCount}.", nameof(data));
        }

        if (data.Count == 0)
        {
            throw new ArgumentException($"{data.Name} holds no samples: there is nothing to evaluate.", nameof(data));
        }

        var rowsPerChunk = Math.Max(1, EvaluationChunkRows / batchSize) * batchSize;
        var chunk = ArrayPool<float>.Shared.Rent(checked(Math.Min(rowsPerChunk, data.Count) * FeatureCount));
        try
        {
            var lossSum = 0.0;
            var correct = 0L;
            for (var start = 0; start < data.Count; start += rowsPerChunk)
            {
                var rows = Math.Min(rowsPerChunk, data.Count - start);
                var values = chunk.AsSpan(0, rows * FeatureCount);
                data.CopyRows(start, rows, values);
                fixed (float* x = values)
                fixed (long* y = data.Labels.AsSpan(start, rows))
                {
                    NativeStatus.Check(NativeMethods.gf_model_evaluate_add(_handle, x, y, rows, batchSize, ref lossSum, ref correct), "evaluate");
                }
            }

            return new Evaluation(lossSum / data.Count, (double)correct / data.Count);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(chunk);
        }
    }

    /// <summary>Writes the most likely class of each sample into <paramref name="classes"/>.</summary>
    public void Predict(ReadOnlySpan<float> features, Span<long> classes, int batchSize = DefaultEvaluationBatch)
    {
        if (features.Length != (long)classes.Length * FeatureCount)
        {
            throw new ArgumentException(
                $"{features.Length} feature values do not make {classes.Length} samples of {FeatureCount} features.", nameof(features));
        }

        fixed (float* x = features)
        fixed (long* c = classes)
        {
            NativeStatus.Check(NativeMethods.gf_model_predict(_handle, x, classes.Length, batchSize, c), "predict");
        }
    }

    /// <summary>
    /// The softmax probability of each class for each sample, row-major: <paramref name="probabilities"/> holds
    /// <c>samples * ClassCount</c> values.
    /// </summary>
    public void Probabilities(ReadOnlySpan<float> features, Span<float> probabilities, int batchSize = DefaultEvaluationBatch)
    {
        if (probabilities.Length % ClassCount != 0 || features.Length != (long)(probabilities.Length / ClassCount) * FeatureCount)
        {
            throw new ArgumentException(
                $"{features.Length} feature values and room for {probabilities.Length} probabilities do not make whole samples of {FeatureCount} features and {ClassCount} classes.",
                nameof(probabilities));
        }

        fixed (float* x = features)
        fixed (float* p = probabilities)
        {
            NativeStatus.Check(NativeMethods.gf_model_probabilities(_handle, x, probabilities.Length / ClassCount, batchSize, p), "probabilities");
        }
    }

    /// <summary>The parameter tensors' names (PyTorch <c>state_dict()</c> keys) and shapes, in flat-vector order.</summary>
    public IReadOnlyList<ParameterInfo> ParameterLayout()
    {
        NativeStatus.Check(NativeMethods.gf_model_parameter_layout(_handle, null, 0, out var needed), "parameter layout");
        var buffer = new byte[needed];
        fixed (byte* b = buffer)
        {
            NativeStatus.Check(NativeMethods.gf_model_parameter_layout(_handle, b, buffer.Length, out needed), "parameter layout");
        }

        var layout = new List<ParameterInfo>();
        var offset = 0;
        foreach (var line in System.Text.Encoding.UTF8.GetString(buffer, 0, buffer.Length - 1).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.LastIndexOf('\t');
            var shape = line[(tab + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(d => long.Parse(d, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var info = new ParameterInfo(line[..tab], shape, offset);
            layout.Add(info);
            offset += info.Count;
        }

        return layout;
    }

    /// <summary>Saves a TorchScript model with its current parameters, loadable with <c>torch.jit.load</c>.</summary>
    /// <exception cref="TorchException">The model is not a TorchScript model, or the file cannot be written.</exception>
    public void SaveTorchScript(string path) =>
        NativeStatus.Check(NativeMethods.gf_model_save_torchscript(_handle, Path.GetFullPath(path)), "save TorchScript");

    public void GetParameters(Span<float> destination)
    {
        fixed (float* p = destination)
        {
            NativeStatus.Check(NativeMethods.gf_model_get_parameters(_handle, p, destination.Length), "get parameters");
        }
    }

    public float[] GetParameters()
    {
        var parameters = new float[ParameterCount];
        GetParameters(parameters);
        return parameters;
    }

    public void SetParameters(ReadOnlySpan<float> source)
    {
        fixed (float* p = source)
        {
            NativeStatus.Check(NativeMethods.gf_model_set_parameters(_handle, p, source.Length), "set parameters");
        }
    }

    /// <summary>Writes the optimizer's state (momentum, Adam moments) to a file, for checkpoints.</summary>
    public void SaveOptimizerState(string path) =>
        NativeStatus.Check(NativeMethods.gf_model_save_optimizer_state(_handle, Path.GetFullPath(path)), "save optimizer state");

    /// <summary>Restores state written by <see cref="SaveOptimizerState"/>; the optimizer kind must match.</summary>
    public void LoadOptimizerState(string path) =>
        NativeStatus.Check(NativeMethods.gf_model_load_optimizer_state(_handle, Path.GetFullPath(path)), "load optimizer state");

    public void Dispose() => _handle.Dispose();

    private int CheckRows(ReadOnlySpan<float> features, ReadOnlySpan<long> labels)
    {
        if (features.Length != (long)labels.Length * FeatureCount)
        {
            throw new ArgumentException(
                $"{features.Length} feature values do not make {labels.Length} samples of {FeatureCount} features " +
                $"(the model expects samples shaped [{string.Join(", ", InputShape)}]).",
                nameof(features));
        }

        return labels.Length;
    }
}
