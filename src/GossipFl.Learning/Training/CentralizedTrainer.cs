using System.Diagnostics;
using GossipFl.Learning.Data;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Training;

/// <summary>
/// Training on the pooled data set: the upper reference every federated experiment is compared to.
/// Each epoch visits every training sample once in an order drawn from (seed, epoch), so a run is reproducible.
/// </summary>
public sealed class CentralizedTrainer
{
    /// <summary>
    /// Batches per native call. Coarse enough that call overhead vanishes, fine enough for a live progress bar
    /// and a prompt stop on Ctrl-C.
    /// </summary>
    private const int BatchesPerCall = 25;

    private readonly TorchModel _model;
    private readonly DatasetSplit _data;
    private readonly int _batchSize;
    private readonly ulong _seed;
    private readonly long[] _order;

    public CentralizedTrainer(TorchModel model, DatasetSplit data, int batchSize, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _model = model;
        _data = data;
        _batchSize = batchSize;
        _seed = seed;
        _order = new long[data.Train.Count];
    }

    /// <summary>Trains one epoch (numbered from 1), reporting the fraction done, then evaluates on the test set.</summary>
    public EpochResult RunEpoch(int epoch, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        FillOrder(epoch);
        var train = _data.Train;
        var step = _batchSize * BatchesPerCall;
        double lossSum = 0;
        for (var start = 0; start < _order.Length; start += step)
        {
            cancellation.ThrowIfCancellationRequested();
            var slice = _order.AsSpan(start, Math.Min(step, _order.Length - start));
            lossSum += _model.Train(train, slice, _batchSize) * slice.Length;
            progress?.Report((double)(start + slice.Length) / _order.Length);
        }

        var test = _model.Evaluate(_data.Test);
        return new EpochResult(epoch, lossSum / _order.Length, test, clock.Elapsed);
    }

    private void FillOrder(int epoch)
    {
        for (var i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        // A distinct, fixed stream per epoch: the seed's high bits stay, the epoch number is mixed in.
        var random = new Xoshiro256StarStar(_seed ^ ((ulong)epoch * 0x9E3779B97F4A7C15UL));
        random.Shuffle(_order.AsSpan());
    }
}
