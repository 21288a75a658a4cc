using System.Globalization;
using GossipFl.Topology.Files;

namespace GossipFl.Learning.Data;

/// <summary>
/// How a task turns a file's raw values into model inputs (docs/topology.md §2.4.1, docs/datasets.md "A node's own
/// data"): raw v becomes (v - low) / (high - low) when the task declares a range, refused outside it; then
/// (x - mean[c]) / std[c] for channel c when it declares normalisation. Computed in double and rounded to float once,
/// so every reader, and every peer, makes the same bits from the same raw value.
/// </summary>
internal sealed class TaskTransform
{
    private readonly TaskDeclaration _task;
    private readonly double[]? _mean;
    private readonly double[]? _std;

    /// <summary>Consecutive values that share a channel: the inputs of one channel are contiguous in [C, H, W].</summary>
    private readonly int _valuesPerChannel;

    public TaskTransform(TaskDeclaration task)
    {
        ArgumentNullException.ThrowIfNull(task);
        _task = task;
        _mean = task.Mean?.ToArray();
        _std = task.Std?.ToArray();
        _valuesPerChannel = task.FeatureCount / task.InputShape[0];
    }

    public int FeatureCount => _task.FeatureCount;

    /// <summary>
    /// Whether one 256-entry table serves every channel, so byte data can stay bytes (<see cref="Dataset.FromCodes"/>):
    /// true unless the task normalises channels with different constants.
    /// </summary>
    public bool IsChannelUniform =>
        _mean is null || _std is null || (_mean.All(m => m == _mean[0]) && _std.All(s => s == _std[0]));

    /// <summary>The channel of value <paramref name="featureIndex"/> (0-based) within one sample.</summary>
    public int ChannelOf(int featureIndex) => featureIndex / _valuesPerChannel;

    /// <summary>Whether a raw value is accepted: finite, and inside the task's range when it declares one.</summary>
    public bool Accepts(double raw) =>
        double.IsFinite(raw) && (_task.Range is not { } r || (raw >= r.Low && raw <= r.High));

    /// <summary>
    /// The model input for raw value <paramref name="raw"/> of channel <paramref name="channel"/>, or false when the
    /// value is refused (<see cref="Refusal"/> says why): not finite, outside the range, or too large for a float.
    /// </summary>
    public bool TryMap(double raw, int channel, out float value)
    {
        value = Accepts(raw) ? Map(raw, channel) : float.NaN;
        return float.IsFinite(value);
    }

    private float Map(double raw, int channel)
    {
        var value = raw;
        if (_task.Range is { } r)
        {
            value = (value - r.Low) / (r.High - r.Low);
        }

        if (_mean is not null && _std is not null)
        {
            var c = _mean.Length == 1 ? 0 : channel;
            value = (value - _mean[c]) / _std[c];
        }

        return (float)value;
    }

    /// <summary>
    /// The input for every byte value 0..255 of one channel, and which byte values the range refuses. The table is
    /// what <see cref="Dataset.FromCodes"/> expands with, so byte data maps exactly as <see cref="TryMap"/> would.
    /// </summary>
    public float[] ByteTable(int channel, out bool[] refused)
    {
        var table = new float[256];
        refused = new bool[256];
        for (var b = 0; b < 256; b++)
        {
            refused[b] = !TryMap(b, channel, out table[b]);
        }

        return table;
    }

    /// <summary>Why a raw value is refused, for an error message that already names where it is.</summary>
    public string Refusal(double raw)
    {
        var text = raw.ToString("R", CultureInfo.InvariantCulture);
        if (!double.IsFinite(raw))
        {
            return $"value {text} is not finite (NaN or infinity)";
        }

        if (_task.Range is not { } r || (raw >= r.Low && raw <= r.High))
        {
            return $"value {text} does not fit a float after normalisation";
        }

        return $"value {text} is outside the task's range [{r.Low.ToString("R", CultureInfo.InvariantCulture)}, {r.High.ToString("R", CultureInfo.InvariantCulture)}]";
    }

    /// <summary>
    /// Byte-coded samples as a <see cref="Dataset"/>: kept as bytes when one table serves all channels, expanded to
    /// floats otherwise. A byte the task's range refuses is reported with its 1-based record through
    /// <paramref name="fail"/>, which names the file.
    /// </summary>
    public Dataset FromBytes(string name, byte[] codes, long[] labels, Func<long, byte, Exception> fail)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(fail);
        var channels = _task.InputShape[0];
        var tables = new float[IsChannelUniform ? 1 : channels][];
        var refused = new bool[256];
        for (var c = 0; c < tables.Length; c++)
        {
            tables[c] = ByteTable(c, out var refusedHere);
            for (var b = 0; b < 256; b++)
            {
                refused[b] |= refusedHere[b];
            }
        }

        if (refused.Contains(true))
        {
            for (long j = 0; j < codes.LongLength; j++)
            {
                if (refused[codes[j]])
                {
                    throw fail((j / FeatureCount) + 1, codes[j]);
                }
            }
        }

        if (tables.Length == 1)
        {
            return Dataset.FromCodes(name, codes, tables[0], labels, _task.InputShape, _task.ClassCount);
        }

        var features = new float[codes.LongLength];
        for (long j = 0; j < codes.LongLength; j++)
        {
            features[j] = tables[ChannelOf((int)(j % FeatureCount))][codes[j]];
        }

        return new Dataset(name, features, labels, _task.InputShape, _task.ClassCount);
    }
}
