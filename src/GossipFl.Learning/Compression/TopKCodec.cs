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

        // The usual case (a small fraction of a long vector): one pass keeps the candidates, the select runs on them.
        var capacity = TopKCandidates.Capacity(K);
        if (values.Length >= TopKCandidates.MinimumLength && capacity <= values.Length / 4)
        {
            var indices = ArrayPool<int>.Shared.Rent(capacity);
            var candidates = ArrayPool<float>.Shared.Rent(capacity);
            try
            {
                if (TopKCandidates.TryCollect(values, K, indices.AsSpan(0, capacity), candidates.AsSpan(0, capacity), out var count))
                {
                    Write(candidates.AsSpan(0, count), indices.AsSpan(0, count), destination);
                    return;
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(indices);
                ArrayPool<float>.Shared.Return(candidates);
            }
        }

        Write(values, [], destination);
    }

    /// <summary>
    /// Writes the k largest magnitudes of <paramref name="values"/>: everything above the k-th largest, then the first
    /// values equal to it (lowest index first). Magnitudes are compared as bit patterns, which order finite
    /// non-negative floats as the values. <paramref name="indices"/> gives each value's index in the vector, in
    /// increasing order (empty: the values are the whole vector).
    /// </summary>
    private void Write(ReadOnlySpan<float> values, ReadOnlySpan<int> indices, Span<byte> destination)
    {
        var (threshold, ties) = KthLargestMagnitude(values, K);
        var written = 0;
        var valueBytes = destination[(4 * K)..];
        for (var i = 0; i < values.Length && written < K; i++)
        {
            var bits = BitConverter.SingleToUInt32Bits(values[i]) & 0x7FFF_FFFFu;
            if (bits > threshold || (bits == threshold && ties-- > 0))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(destination[(4 * written)..], (uint)(indices.IsEmpty ? i : indices[i]));
                BinaryPrimitives.WriteSingleLittleEndian(valueBytes[(4 * written)..], values[i]);
                written++;
            }
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
    /// The k-th largest magnitude (1-based) by a two-pass radix select on the magnitudes' bit patterns (for finite
    /// non-negative floats the order of the bits as unsigned integers is the order of the values): a histogram of the
    /// high 16 bits finds the bucket holding the k-th largest, a histogram of the low 16 bits within that bucket finds
    /// it exactly. Two streaming reads of the input and two 256 KB histograms from the pool, where a quickselect would
    /// copy and shuffle the whole vector. Returns the magnitude's bits and how many values equal to it belong to the
    /// k largest (the rest of the k are strictly larger). Throws for a non-finite value.
    /// </summary>
    internal static (uint Threshold, int Ties) KthLargestMagnitude(ReadOnlySpan<float> values, int k)
    {
        var histogram = ArrayPool<int>.Shared.Rent(1 << 16);
        try
        {
            var counts = histogram.AsSpan(0, 1 << 16);
            counts.Clear();
            for (var i = 0; i < values.Length; i++)
            {
                var bits = BitConverter.SingleToUInt32Bits(values[i]) & 0x7FFF_FFFFu;
                if (bits >= 0x7F80_0000u)
                {
                    throw new ArgumentException($"top-k codec: value {i} is not finite", nameof(values));
                }

                counts[(int)(bits >> 16)]++;
            }

            var (high, remaining) = Bucket(counts, k);
            counts.Clear();
            foreach (var v in values)
            {
                var bits = BitConverter.SingleToUInt32Bits(v) & 0x7FFF_FFFFu;
                if (bits >> 16 == (uint)high)
                {
                    counts[(int)(bits & 0xFFFF)]++;
                }
            }

            var (low, ties) = Bucket(counts, remaining);
            return (((uint)high << 16) | (uint)low, ties);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(histogram);
        }
    }

    /// <summary>The bucket holding the <paramref name="k"/>-th largest entry counted from the top, and its rank within it.</summary>
    private static (int Bucket, int Rank) Bucket(ReadOnlySpan<int> counts, int k)
    {
        var seen = 0;
        for (var b = counts.Length - 1; b >= 0; b--)
        {
            if (seen + counts[b] >= k)
            {
                return (b, k - seen);
            }

            seen += counts[b];
        }

        throw new InvalidOperationException($"fewer than {k} values counted");
    }
}
