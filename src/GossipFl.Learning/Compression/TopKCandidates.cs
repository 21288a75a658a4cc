using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GossipFl.Learning.Compression;

/// <summary>
/// The fast path of <see cref="TopKCodec"/>'s selection: one streaming pass that keeps only the values that can be
/// among the k largest magnitudes. A strided sample of the magnitudes gives a lower bound t expected to leave about
/// twice k values at or above it; the pass collects those (index and value, in index order) with 256-bit compares,
/// so for the usual 1% it reads the vector once and writes a few percent of it, where the radix select reads it
/// three times with a scattered histogram update per value.
/// </summary>
/// <remarks>
/// Exact, not approximate: if at least k values are at or above t, the k-th largest magnitude is too, so every value
/// of the top k is a candidate and selecting among the candidates (in index order, ties to the lower index) gives
/// the same k as selecting among all values. When the sample misleads (fewer than k candidates, or more than the
/// buffer holds, as for a vector of equal values), <see cref="TryCollect"/> says so and the caller falls back to
/// the full radix select.
/// </remarks>
internal static class TopKCandidates
{
    /// <summary>Below this length the radix select alone is as fast; the sample would be most of the vector.</summary>
    public const int MinimumLength = 16_384;

    private const int SampleSize = 4_096;

    /// <summary>How many candidates a buffer must hold for k of n: the expected 2k with room for the sample's error.</summary>
    public static int Capacity(int k) => (4 * k) + 1_024;

    /// <summary>
    /// Collects every value whose magnitude is at or above the sampled bound, in index order, into
    /// <paramref name="indices"/> and <paramref name="values"/>; false (nothing usable written) when fewer than
    /// <paramref name="k"/> or more than the buffers hold. Throws, naming the first one, for a non-finite value.
    /// </summary>
    public static bool TryCollect(ReadOnlySpan<float> source, int k, Span<int> indices, Span<float> values, out int count)
    {
        count = 0;
        var bound = SampledBound(source, k);
        var capacity = Math.Min(indices.Length, values.Length);
        var anyNonFinite = Vector256<int>.Zero;
        var magnitude = Vector256.Create(0x7FFF_FFFF);
        var atLeast = Vector256.Create((int)bound - 1);
        var infinity = Vector256.Create(0x7F80_0000 - 1);
        ref var start = ref Unsafe.As<float, int>(ref MemoryMarshal.GetReference(source));
        var i = 0;
        var overflow = false;
        // Magnitudes have the sign bit clear, so signed 32-bit compares order them as unsigned bit patterns do.
        for (; i <= source.Length - Vector256<int>.Count; i += Vector256<int>.Count)
        {
            var bits = Vector256.LoadUnsafe(ref start, (nuint)i) & magnitude;
            anyNonFinite |= Vector256.GreaterThan(bits, infinity);
            var hits = Vector256.GreaterThan(bits, atLeast).ExtractMostSignificantBits();
            while (hits != 0)
            {
                var lane = System.Numerics.BitOperations.TrailingZeroCount(hits);
                hits &= hits - 1;
                if (count == capacity)
                {
                    overflow = true;
                    break;
                }

                indices[count] = i + lane;
                values[count] = source[i + lane];
                count++;
            }

            if (overflow)
            {
                break;
            }
        }

        var tailNonFinite = false;
        for (; i < source.Length && !overflow; i++)
        {
            var bits = BitConverter.SingleToUInt32Bits(source[i]) & 0x7FFF_FFFFu;
            tailNonFinite |= bits >= 0x7F80_0000u;
            if (bits >= bound)
            {
                if (count == capacity)
                {
                    overflow = true;
                    break;
                }

                indices[count] = i;
                values[count] = source[i];
                count++;
            }
        }

        // An early stop on overflow has not looked at every value; the full select that follows checks them all.
        if (!overflow && (tailNonFinite || anyNonFinite != Vector256<int>.Zero))
        {
            ThrowFirstNonFinite(source);
        }

        return !overflow && count >= k;
    }

    /// <summary>
    /// A magnitude bound from every (n / 4096)-th value: the sample's order statistic of rank 1.5·s·k/n + 3·√(s·k/n) + 2
    /// from the top, so about 1.5 to 2 times k values of the whole vector reach it, and fewer than k only when the
    /// sample is far from typical (then the caller falls back).
    /// </summary>
    private static uint SampledBound(ReadOnlySpan<float> source, int k)
    {
        var stride = source.Length / SampleSize;
        Span<uint> sample = stackalloc uint[SampleSize];
        for (var j = 0; j < SampleSize; j++)
        {
            sample[j] = BitConverter.SingleToUInt32Bits(source[j * stride]) & 0x7FFF_FFFFu;
        }

        sample.Sort();
        var expected = (double)SampleSize * k / source.Length;
        var rank = (int)Math.Ceiling((1.5 * expected) + (3 * Math.Sqrt(expected)) + 2);
        return rank >= SampleSize ? 0 : sample[SampleSize - rank];
    }

    /// <summary>The same error the full selection gives (<see cref="TopKCodec.KthLargestMagnitude"/>).</summary>
    private static void ThrowFirstNonFinite(ReadOnlySpan<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"top-k codec: value {i} is not finite", nameof(values));
            }
        }
    }
}
