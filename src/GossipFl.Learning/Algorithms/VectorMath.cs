using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GossipFl.Learning.Algorithms;

/// <summary>
/// Element-wise kernels over parameter vectors with <see cref="Vector{T}"/>. Every element is computed with
/// one IEEE multiply and one add per term, in a fixed term order, never fused (FMA) and never summed across
/// lanes, so results are bit-identical on machines with different vector widths and instruction sets: a
/// daemon and the simulator fold the same messages into the same bits.
/// </summary>
public static class VectorMath
{
    /// <summary>
    /// Floats per block of <see cref="WeightedSum"/>: the accumulator block (16 KB) stays in L1 while each source
    /// streams through it once, so memory traffic is one read per source and one write of the result.
    /// </summary>
    private const int BlockLength = 4096;

    /// <summary>destination = Σ_k coefficients[k] · sources[k], terms added in list order.</summary>
    public static void WeightedSum(Span<float> destination, ReadOnlySpan<float> coefficients, IReadOnlyList<ReadOnlyMemory<float>> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        // A list is read as a span: the fold is called once per node and round, for vectors as short as 19 floats,
        // where going through the interface per source cost more than the arithmetic.
        if (sources is List<ReadOnlyMemory<float>> list)
        {
            WeightedSum(destination, coefficients, CollectionsMarshal.AsSpan(list));
        }
        else if (sources is ReadOnlyMemory<float>[] array)
        {
            WeightedSum(destination, coefficients, array.AsSpan());
        }
        else
        {
            WeightedSum(destination, coefficients, sources.ToArray());
        }
    }

    /// <summary>destination = Σ_k coefficients[k] · sources[k], terms added in source order.</summary>
    public static void WeightedSum(Span<float> destination, ReadOnlySpan<float> coefficients, ReadOnlySpan<ReadOnlyMemory<float>> sources)
    {
        if (coefficients.Length != sources.Length)
        {
            throw new ArgumentException($"{coefficients.Length} coefficients for {sources.Length} sources", nameof(coefficients));
        }

        for (var k = 0; k < sources.Length; k++)
        {
            if (sources[k].Length != destination.Length)
            {
                throw new ArgumentException($"source {k} has {sources[k].Length} values; the destination has {destination.Length}", nameof(sources));
            }
        }

        if (sources.Length == 0)
        {
            destination.Clear();
            return;
        }

        for (var start = 0; start < destination.Length; start += BlockLength)
        {
            var length = Math.Min(BlockLength, destination.Length - start);
            var block = destination.Slice(start, length);
            Scale(block, sources[0].Span.Slice(start, length), coefficients[0]);
            for (var k = 1; k < sources.Length; k++)
            {
                AddScaled(block, sources[k].Span.Slice(start, length), coefficients[k]);
            }
        }
    }

    /// <summary>destination = a · source.</summary>
    public static void Scale(Span<float> destination, ReadOnlySpan<float> source, float a)
    {
        CheckLengths(destination, source);
        var i = 0;
        if (Vector.IsHardwareAccelerated && destination.Length >= Vector<float>.Count)
        {
            var factor = new Vector<float>(a);
            var d = MemoryMarshal.Cast<float, Vector<float>>(destination);
            var s = MemoryMarshal.Cast<float, Vector<float>>(source);
            for (var v = 0; v < d.Length; v++)
            {
                d[v] = s[v] * factor;
            }

            i = d.Length * Vector<float>.Count;
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = source[i] * a;
        }
    }

    /// <summary>destination += a · source (a multiply, then an add: never fused, for portable bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(Span<float> destination, ReadOnlySpan<float> source, float a)
    {
        CheckLengths(destination, source);
        var i = 0;
        if (Vector.IsHardwareAccelerated && destination.Length >= Vector<float>.Count)
        {
            var factor = new Vector<float>(a);
            var d = MemoryMarshal.Cast<float, Vector<float>>(destination);
            var s = MemoryMarshal.Cast<float, Vector<float>>(source);
            for (var v = 0; v < d.Length; v++)
            {
                d[v] += s[v] * factor;
            }

            i = d.Length * Vector<float>.Count;
        }

        for (; i < destination.Length; i++)
        {
            destination[i] += source[i] * a;
        }
    }

    /// <summary>destination += source - reference (a local update expressed as a change).</summary>
    public static void AddDifference(Span<float> destination, ReadOnlySpan<float> source, ReadOnlySpan<float> reference)
    {
        CheckLengths(destination, source);
        CheckLengths(destination, reference);
        var i = 0;
        if (Vector.IsHardwareAccelerated && destination.Length >= Vector<float>.Count)
        {
            var d = MemoryMarshal.Cast<float, Vector<float>>(destination);
            var s = MemoryMarshal.Cast<float, Vector<float>>(source);
            var r = MemoryMarshal.Cast<float, Vector<float>>(reference);
            for (var v = 0; v < d.Length; v++)
            {
                d[v] += s[v] - r[v];
            }

            i = d.Length * Vector<float>.Count;
        }

        for (; i < destination.Length; i++)
        {
            destination[i] += source[i] - reference[i];
        }
    }

    /// <summary>Σ (a_k - b_k)², accumulated in double in index order (for metrics, not for parameters).</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"lengths differ: {a.Length} and {b.Length}");
        }

        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = (double)a[i] - b[i];
            sum += d * d;
        }

        return sum;
    }

    private static void CheckLengths(Span<float> destination, ReadOnlySpan<float> source)
    {
        if (destination.Length != source.Length)
        {
            throw new ArgumentException($"lengths differ: destination {destination.Length}, source {source.Length}");
        }
    }
}
