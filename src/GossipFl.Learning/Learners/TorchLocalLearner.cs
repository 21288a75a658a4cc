using System.Buffers.Binary;
using System.Globalization;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Data;
using GossipFl.Learning.Models;
using GossipFl.Learning.Privacy;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Learners;

/// <summary>
/// A node's local training on libtorch. The engine may be shared by every node of a simulation (its
/// parameters are loaded before and read back after each node's turn; the optimizer's state is then shared
/// too, which plain SGD does not have) or owned by the node (needed for momentum or Adam). The node's data
/// order is a seeded permutation per local epoch, so the same node trains on the same batches whichever
/// driver calls it. Its state for checkpoints (<see cref="IResumableLearner"/>) is its position in that order
/// and the engine's optimizer state. Not thread-safe: the engine runs one node at a time.
/// </summary>
/// <remarks>
/// State layout, little-endian: magic "GFLS" (4 bytes), format version (u16), reserved (u16), data-order seed
/// (u64), sample count (i64), position in the sample stream (i64), optimizer state length (i32), then libtorch's
/// serialized optimizer state. The seed and sample count identify the data order the position counts in.
/// </remarks>
public sealed class TorchLocalLearner : ILocalLearner, IResumableLearner
{
    public const int StateFormatVersion = 1;

    private const ulong OrderSalt = 0x546F726368446174UL;
    private const int StateHeaderSize = 36;
    private const string OptimizerFileName = "optimizer.pt";
    private static readonly byte[] StateMagic = "GFLS"u8.ToArray();

    private readonly TorchModel _model;
    private readonly Dataset _data;
    private readonly Dataset? _test;
    private readonly Dataset? _validation;
    private readonly int _batchSize;
    private readonly LocalWork _work;
    private readonly ulong _seed;
    private readonly long[] _permutation;
    private readonly float[] _trained;
    private long[] _order = [];
    private float[] _roundRows = [];
    private long[] _roundLabels = [];
    private long _position;

    /// <param name="validation">The node's own held-out data (<see cref="Validate"/>), or null.</param>
    public TorchLocalLearner(TorchModel model, Dataset data, Dataset? test, int batchSize, LocalWork work, ulong seed, int node, Dataset? validation = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (data.Count == 0)
        {
            throw new ArgumentException($"node {node} holds no samples", nameof(data));
        }

        _model = model;
        _data = data;
        _test = test;
        _validation = validation;
        _batchSize = batchSize;
        _work = work;
        _seed = seed ^ OrderSalt ^ unchecked((ulong)(node + 1) * 0x9E3779B97F4A7C15UL);
        _permutation = new long[data.Count];
        _trained = new float[model.ParameterCount];
    }

    public int ParameterCount => _model.ParameterCount;

    public int SampleCount => _data.Count;

    /// <summary>Optimizer steps per <see cref="Train"/> call (each a DP-SGD step when sample-level DP is on).</summary>
    public int StepsPerRound => _work.StepsFor(_data.Count, _batchSize);

    /// <summary>
    /// The fraction of the node's samples one step uses, min(1, B / n): the q of the sampled Gaussian mechanism that
    /// accounts a DP-SGD step (the batches are shuffled and fixed-size, not Poisson-sampled; docs/privacy.md).
    /// </summary>
    public double SamplingRate => Math.Min(1.0, (double)_batchSize / _data.Count);

    /// <summary>Sample-level DP-SGD the engine applies, or null.</summary>
    public SampleDpSettings? SampleDp => _model.SampleDp;

    /// <summary>
    /// Turns the engine's DP-SGD on with noise seeded by <paramref name="noiseSeed"/> (null: the OS's CSPRNG). The
    /// simulator may share one engine among peers: when the engine already runs these settings it is left as it is,
    /// so a shared engine is set up (and seeded) once, by the first peer.
    /// </summary>
    public void UseSampleDp(SampleDpSettings settings, ulong? noiseSeed)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (_model.SampleDp == settings)
        {
            return;
        }

        if (noiseSeed is { } seed)
        {
            _model.UseSampleDp(settings, seed);
        }
        else
        {
            _model.UseSampleDp(settings);
        }
    }

    public double Train(long round, ReadOnlySpan<float> model, Span<float> target)
    {
        var samples = _work.SamplesFor(_data.Count, _batchSize);
        if (_order.Length != samples)
        {
            _order = new long[samples];
        }

        // The stream of sample indices continues across rounds; each pass over the data is a fresh permutation.
        for (var i = 0; i < samples; i++, _position++)
        {
            var epoch = _position / _data.Count;
            var offset = (int)(_position % _data.Count);
            if (offset == 0)
            {
                FillPermutation(epoch);
            }

            _order[i] = _permutation[offset];
        }

        _model.SetParameters(model);
        var loss = TrainOnOrder();
        _model.GetParameters(_trained);
        if (target.Overlaps(model))
        {
            _trained.CopyTo(target);
        }
        else
        {
            VectorMath.AddDifference(target, _trained, model);
        }

        return loss;
    }

    public bool HasTestData => _test is { Count: > 0 };

    public Evaluation? Validate(ReadOnlySpan<float> model)
    {
        if (_validation is not { Count: > 0 })
        {
            return null;
        }

        _model.SetParameters(model);
        return _model.Evaluate(_validation);
    }

    /// <summary>
    /// One optimizer step per batch over the round's samples in <see cref="_order"/>. A part held as pixel codes is
    /// not expanded whole when a round takes less than half of it: the round's rows are decoded, in order, into a
    /// buffer of the round's size, which gives the engine the same batches of the same values (same bits) as picking
    /// them from the expanded part, in a few hundred kilobytes instead of the part's float block.
    /// </summary>
    private double TrainOnOrder()
    {
        if (!_data.HoldsCodes || _data.IsExpanded || _order.Length >= _data.Count / 2)
        {
            return _model.Train(_data, _order, _batchSize);
        }

        var featureCount = _data.FeatureCount;
        if (_roundRows.Length != (long)_order.Length * featureCount)
        {
            _roundRows = new float[(long)_order.Length * featureCount];
            _roundLabels = new long[_order.Length];
        }

        for (var i = 0; i < _order.Length; i++)
        {
            var sample = (int)_order[i];
            _data.CopyRows(sample, 1, _roundRows.AsSpan(i * featureCount, featureCount));
            _roundLabels[i] = _data.Labels[sample];
        }

        return _model.Train(_roundRows, _roundLabels, [], _batchSize);
    }

    public Evaluation Evaluate(ReadOnlySpan<float> model)
    {
        if (_test is null || _test.Count == 0)
        {
            return new Evaluation(double.NaN, double.NaN);
        }

        _model.SetParameters(model);
        return _model.Evaluate(_test);
    }

    public byte[] SaveState()
    {
        var optimizer = OptimizerState();
        var state = new byte[StateHeaderSize + optimizer.Length];
        var span = state.AsSpan();
        StateMagic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], StateFormatVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], _seed);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], _data.Count);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], _position);
        BinaryPrimitives.WriteInt32LittleEndian(span[32..], optimizer.Length);
        optimizer.CopyTo(span[StateHeaderSize..]);
        return state;
    }

    public void RestoreState(ReadOnlySpan<byte> state)
    {
        if (state.Length < StateHeaderSize || !state[..4].SequenceEqual(StateMagic))
        {
            throw new LearnerStateException("not the state of a libtorch learner (bad magic or too short)");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(state[4..]);
        if (version != StateFormatVersion)
        {
            throw new LearnerStateException(Format($"learner state format version {version}, this build reads {StateFormatVersion}"));
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(state[8..]) != _seed)
        {
            throw new LearnerStateException("the learner state belongs to another data order (the seed or the node changed)");
        }

        var count = BinaryPrimitives.ReadInt64LittleEndian(state[16..]);
        if (count != _data.Count)
        {
            throw new LearnerStateException(Format($"the learner state counts positions in {count} samples; this node holds {_data.Count} (the data or its partition changed)"));
        }

        var position = BinaryPrimitives.ReadInt64LittleEndian(state[24..]);
        var optimizerLength = BinaryPrimitives.ReadInt32LittleEndian(state[32..]);
        if (position < 0 || optimizerLength < 0 || optimizerLength != state.Length - StateHeaderSize)
        {
            throw new LearnerStateException(Format(
                $"the learner state is inconsistent: position {position}, optimizer state of {optimizerLength} bytes in {state.Length - StateHeaderSize} remaining"));
        }

        // The optimizer is the only part whose loading can fail half-way; keep what it had, to put back on failure.
        var previous = OptimizerState();
        try
        {
            LoadOptimizerState(state[StateHeaderSize..]);
        }
        catch (TorchException ex)
        {
            LoadOptimizerState(previous);
            throw new LearnerStateException($"the saved optimizer state does not fit this model's optimizer: {ex.NativeMessage}", ex);
        }

        _position = position;
        if (position % _data.Count != 0)
        {
            // Train refills the permutation only at the start of an epoch; resuming mid-epoch needs it now.
            FillPermutation(position / _data.Count);
        }
    }

    /// <summary>
    /// The engine's optimizer state as bytes. The shim serializes it only to files, so through a temporary one,
    /// always named the same in a fresh directory: libtorch writes the file's name into the archive, and a fixed
    /// name keeps equal states equal bytes within a process (not across processes: libtorch keys the state by
    /// tensor addresses).
    /// </summary>
    private byte[] OptimizerState()
    {
        var directory = Directory.CreateTempSubdirectory("gossipfl-optimizer-");
        try
        {
            var path = Path.Combine(directory.FullName, OptimizerFileName);
            _model.SaveOptimizerState(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private void LoadOptimizerState(ReadOnlySpan<byte> bytes)
    {
        var directory = Directory.CreateTempSubdirectory("gossipfl-optimizer-");
        try
        {
            var path = Path.Combine(directory.FullName, OptimizerFileName);
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
            }

            _model.LoadOptimizerState(path);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private void FillPermutation(long epoch)
    {
        for (var i = 0; i < _permutation.Length; i++)
        {
            _permutation[i] = i;
        }

        new Xoshiro256StarStar(_seed ^ unchecked((ulong)epoch * 0xD1B54A32D192ED03UL)).Shuffle(_permutation.AsSpan());
    }
}
