using System.Buffers;
using System.Buffers.Binary;

namespace GossipFl.Learning.Compression;

/// <summary>
/// <c>topk:F</c>: the k = ⌈F·n⌉ values of largest magnitude (ties broken by lower index), as k little-endian uint32
/// indices in increasing order followed by their k float values; every other value reads as zero. Biased, so it
/// needs error feedback or an algorithm that carries the remainder (CHOCO-SGD's estimates do). A receiver refuses
/// indices that are out of range or not strictly increasing and values that are not finite.
/// </summary>
public sealed class TopKCodec : ICodec
{
    public TopKCodec(int length, double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Spec = CodecSpec.TopK(fraction);
        Length = length;
        K = length == 0 ? 0 : (int)Math.Clamp(Math.Ceiling(fraction * length), 1, length);
        if (K > int.MaxValue / 8)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "too many values for one top-k message");
        }
    }

    public CodecSpec Spec { get; }

    public int Length { get; }

    /// <summary>Values sent per vector.</summary>
    public int K { get; }

    public int EncodedSize => 8 * K;

    public void Encode(ReadOnlySpan<float> values, Span<byte> destination, ref CodecRandom random)
    {
        CodecChecks.Sizes(this, values.Length, destination.Length);
        if (K == 0)
        {
            return;
        }

        var magnitudes = ArrayPool<float>.Shared.Rent(values.Length);
        try
        {
            var scratch = magnitudes.AsSpan(0, values.Length);
            for (var i = 0; i < values.Length; i++)
            {
                var magnitude = Math.Abs(values[i]);
                if (!float.IsFinite(magnitude))
                {
                    throw new ArgumentException($"top-k codec: value {i} is not finite", nameof(values));
                }

                scratch[i] = magnitude;
            }

            var threshold = KthLargest(scratch, K);

            // Everything above the threshold, then as many values equal to it as are still needed, lowest index first.
            var above = 0;
            foreach (var v in values)
            {
                if (Math.Abs(v) > threshold)
                {
                    above++;
                }
            }

            var ties = K - above;
            var written = 0;
            var valueBytes = destination[(4 * K)..];
            for (var i = 0; i < values.Length && written < K; i++)
            {
                var magnitude = Math.Abs(values[i]);
                if (magnitude > threshold || (magnitude == threshold && ties-- > 0))
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(destination[(4 * written)..], (uint)i);
                    BinaryPrimitives.WriteSingleLittleEndian(valueBytes[(4 * written)..], values[i]);
                    written++;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(magnitudes);
        }
    }

    public bool TryValidate(ReadOnlySpan<byte> source, out string? reason)
    {
        if (!CodecChecks.TrySize(this, source.Length, out reason))
        {
            return false;
        }

        var valueBytes = source[(4 * K)..];
        long previous = -1;
        for (var j = 0; j < K; j++)
        {
            var index = BinaryPrimitives.ReadUInt32LittleEndian(source[(4 * j)..]);
            if (index >= (uint)Length)
            {
                reason = $"top-k index {index} at position {j} is out of range for {Length} values";
                return false;
            }

            if (index <= previous)
            {
                reason = $"top-k index {index} at position {j} does not increase (previous {previous})";
                return false;
            }

            if (!float.IsFinite(BinaryPrimitives.ReadSingleLittleEndian(valueBytes[(4 * j)..])))
            {
                reason = $"top-k value at position {j} (index {index}) is not finite";
                return false;
            }

            previous = index;
        }

        return true;
    }

    public bool TryDecodeAdd(ReadOnlySpan<byte> source, Span<float> destination, float scale, out string? reason)
    {
        CodecChecks.Destination(this, destination.Length);
        if (!TryValidate(source, out reason))
        {
            return false;
        }

        var valueBytes = source[(4 * K)..];
        for (var j = 0; j < K; j++)
        {
            var index = (int)BinaryPrimitives.ReadUInt32LittleEndian(source[(4 * j)..]);
            destination[index] += scale * BinaryPrimitives.ReadSingleLittleEndian(valueBytes[(4 * j)..]);
        }

        return true;
    }

    /// <summary>
    /// The k-th largest of <paramref name="values"/> (1-based), by quickselect (Hoare) with a median-of-three pivot;
    /// reorders <paramref name="values"/>. Expected linear time.
    /// </summary>
    internal static float KthLargest(Span<float> values, int k)
    {
        // The k-th largest is the (n - k)-th smallest, 0-based.
        var target = values.Length - k;
        int left = 0, right = values.Length - 1;
        while (left < right)
        {
            var middle = left + ((right - left) / 2);
            var pivot = MedianOfThree(values[left], values[middle], values[right]);
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (target <= j)
            {
                right = j;
            }
            else if (target >= i)
            {
                left = i;
            }
            else
            {
                return values[target];
            }
        }

        return values[target];
    }

    private static float MedianOfThree(float a, float b, float c) =>
        Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
}
