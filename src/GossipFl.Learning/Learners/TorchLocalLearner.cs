using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Data;
using GossipFl.Learning.Models;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Learners;

/// <summary>
/// A node's local training on libtorch. The engine may be shared by every node of a simulation (its
/// parameters are loaded before and read back after each node's turn; the optimizer's state is then shared
/// too, which plain SGD does not have) or owned by the node (needed for momentum or Adam). The node's data
/// order is a seeded permutation per local epoch, so the same node trains on the same batches whichever
/// driver calls it. Not thread-safe: the engine runs one node at a time.
/// </summary>
public sealed class TorchLocalLearner : ILocalLearner
{
    private const ulong OrderSalt = 0x546F726368446174UL;

    private readonly TorchModel _model;
    private readonly Dataset _data;
    private readonly Dataset? _test;
    private readonly int _batchSize;
    private readonly LocalWork _work;
    private readonly ulong _seed;
    private readonly long[] _permutation;
    private readonly float[] _trained;
    private long[] _order = [];
    private long _position;

    public TorchLocalLearner(TorchModel model, Dataset data, Dataset? test, int batchSize, LocalWork work, ulong seed, int node)
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
        _batchSize = batchSize;
        _work = work;
        _seed = seed ^ OrderSalt ^ unchecked((ulong)(node + 1) * 0x9E3779B97F4A7C15UL);
        _permutation = new long[data.Count];
        _trained = new float[model.ParameterCount];
    }

    public int ParameterCount => _model.ParameterCount;

    public int SampleCount => _data.Count;

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
        var loss = _model.Train(_data, _order, _batchSize);
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

    public Evaluation Evaluate(ReadOnlySpan<float> model)
    {
        if (_test is null || _test.Count == 0)
        {
            return new Evaluation(double.NaN, double.NaN);
        }

        _model.SetParameters(model);
        return _model.Evaluate(_test);
    }

    private void FillPermutation(long epoch)
    {
        for (var i = 0; i < _permutation.Length; i++)
        {
            _permutation[i] = i;
        }

        new Xoshiro256StarStar(_seed ^ unchecked((ulong)epoch * 0xD1B54A32D192ED03UL)).Shuffle(_permutation.AsSpan());
    }
}
