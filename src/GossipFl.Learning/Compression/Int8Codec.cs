using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GossipFl.Learning.Compression;

/// <summary>
/// <c>int8</c>: the values in chunks of <see cref="ChunkLength"/>, each chunk a little-endian float scale
/// s = max|x| / 127 followed by one signed byte per value. A value becomes q = ⌊x/s + u⌋ with u uniform in [0, 1), so
/// E[q·s] = x (unbiased stochastic rounding; QSGD-style, Alistarh et al. 2017) and |q·s − x| &lt; s. The scale costs
/// 4 bytes per 512 values, so the encoding is 3.97x smaller than float32.
/// </summary>
public sealed class Int8Codec : ICodec
{
    public const int ChunkLength = 512;

    private const int Levels = 127;

    public Int8Codec(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, int.MaxValue / 2);
        Length = length;
        Chunks = (length + ChunkLength - 1) / ChunkLength;
    }

    public CodecSpec Spec => CodecSpec.EightBit;

    public int Length { get; }

    private int Chunks { get; }

    public int EncodedSize => Length + (4 * Chunks);

    public void Encode(ReadOnlySpan<float> values, Span<byte> destination, ref CodecRandom random)
    {
        CodecChecks.Sizes(this, values.Length, destination.Length);
        var at = 0;
        for (var start = 0; start < values.Length; start += ChunkLength)
        {
            var chunk = values.Slice(start, Math.Min(ChunkLength, values.Length - start));
            var max = MaxMagnitude(chunk);
            if (!float.IsFinite(max))
            {
                throw new ArgumentException($"int8 codec: a value in {start}..{start + chunk.Length - 1} is not finite", nameof(values));
            }

            // A chunk of zeros, or one so small that 1/scale would overflow, is sent as zeros with scale 0.
            var scale = max / Levels;
            var representable = float.IsNormal(scale);
            BinaryPrimitives.WriteSingleLittleEndian(destination[at..], representable ? scale : 0f);
            at += 4;
            var bytes = destination.Slice(at, chunk.Length);
            at += chunk.Length;
            if (!representable)
            {
                bytes.Clear();
                continue;
            }

            Quantize(chunk, bytes, Levels / max, ref random);
        }
    }

    /// <summary>
    /// target[i] += q[i] · factor, 32 at a time: the bytes widened to int, converted, multiplied, then added (never
    /// fused), so the vector and scalar paths give the same bits.
    /// </summary>
    private static void AddScaledBytes(ReadOnlySpan<byte> bytes, Span<float> target, float factor)
    {
        var i = 0;
        var scale = Vector256.Create(factor);
        ref var input = ref Unsafe.As<byte, sbyte>(ref MemoryMarshal.GetReference(bytes));
        ref var output = ref MemoryMarshal.GetReference(target);
        for (; i + 32 <= target.Length; i += 32)
        {
            var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref input, (nuint)i));
            var (q0, q1) = Vector256.Widen(low);
            var (q2, q3) = Vector256.Widen(high);
            Add(ref output, i, q0);
            Add(ref output, i + 8, q1);
            Add(ref output, i + 16, q2);
            Add(ref output, i + 24, q3);
        }

        for (; i < target.Length; i++)
        {
            target[i] += (sbyte)bytes[i] * factor;
        }

        void Add(ref float at, int offset, Vector256<int> q)
        {
            var current = Vector256.LoadUnsafe(ref at, (nuint)offset);
            (current + (Vector256.ConvertToSingle(q) * scale)).StoreUnsafe(ref at, (nuint)offset);
        }
    }

    /// <summary>max |x| over <paramref name="chunk"/>; NaN when any value is NaN (which <see cref="Vector256.Max{T}"/> alone could hide).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MaxMagnitude(ReadOnlySpan<float> chunk)
    {
        var i = 0;
        var max = 0f;
        var nan = false;
        if (chunk.Length >= Vector256<float>.Count)
        {
            // Two accumulators, so the maxima of consecutive vectors do not wait for each other. The native max is
            // enough: magnitudes have no negative zero, and NaN is caught by the ordered mask, not by the maximum.
            var acc = Vector256<float>.Zero;
            var acc2 = Vector256<float>.Zero;
            var ordered = Vector256<float>.AllBitsSet;
            ref var first = ref MemoryMarshal.GetReference(chunk);
            for (; i + (2 * Vector256<float>.Count) <= chunk.Length; i += 2 * Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref first, (nuint)i);
                var w = Vector256.LoadUnsafe(ref first, (nuint)(i + Vector256<float>.Count));
                acc = Vector256.MaxNative(acc, Vector256.Abs(v));
                acc2 = Vector256.MaxNative(acc2, Vector256.Abs(w));
                ordered &= Vector256.Equals(v, v) & Vector256.Equals(w, w);
            }

            for (; i + Vector256<float>.Count <= chunk.Length; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref first, (nuint)i);
                acc = Vector256.MaxNative(acc, Vector256.Abs(v));
                ordered &= Vector256.Equals(v, v);
            }

            acc = Vector256.MaxNative(acc, acc2);

            nan = ordered.AsUInt32() != Vector256<uint>.AllBitsSet;
            for (var lane = 0; lane < Vector256<float>.Count; lane++)
            {
                max = Math.Max(max, acc[lane]);
            }
        }

        for (; i < chunk.Length; i++)
        {
            nan |= float.IsNaN(chunk[i]);
            max = Math.Max(max, Math.Abs(chunk[i]));
        }

        return nan ? float.NaN : max;
    }

    /// <summary>
    /// q = clamp(⌊x·inverse + u⌋, ±127), 32 values at a time: four independent groups of eight xorshift32 lanes
    /// (Marsaglia 2003), one group per 8 values of the 32, seeded from <paramref name="random"/> once per chunk, give u
    /// from their top 24 bits. Four groups rather than one so that the generator steps do not form one serial chain
    /// (each step depends on the last): the four run side by side. Fixed 256-bit vectors, not
    /// <see cref="System.Numerics.Vector{T}"/>, so the bits are the same on every machine whatever its vector width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Quantize(ReadOnlySpan<float> chunk, Span<byte> bytes, float inverse, ref CodecRandom random)
    {
        var s0 = Seeds(ref random);
        var s1 = Seeds(ref random);
        var s2 = Seeds(ref random);
        var s3 = Seeds(ref random);
        var factor = Vector256.Create(inverse);
        var toUnit = Vector256.Create(1.0f / (1 << 24));
        var high = Vector256.Create((float)Levels);
        var low = Vector256.Create((float)-Levels);
        ref var first = ref MemoryMarshal.GetReference(chunk);
        ref var output = ref Unsafe.As<byte, sbyte>(ref MemoryMarshal.GetReference(bytes));
        var i = 0;
        for (; i + 32 <= chunk.Length; i += 32)
        {
            s0 = Next(s0);
            var q0 = Round(Vector256.LoadUnsafe(ref first, (nuint)i), s0, factor, toUnit, low, high);
            s1 = Next(s1);
            var q1 = Round(Vector256.LoadUnsafe(ref first, (nuint)(i + 8)), s1, factor, toUnit, low, high);
            s2 = Next(s2);
            var q2 = Round(Vector256.LoadUnsafe(ref first, (nuint)(i + 16)), s2, factor, toUnit, low, high);
            s3 = Next(s3);
            var q3 = Round(Vector256.LoadUnsafe(ref first, (nuint)(i + 24)), s3, factor, toUnit, low, high);
            PackBytes(q0, q1, q2, q3).StoreUnsafe(ref output, (nuint)i);
        }

        for (; i < chunk.Length; i++)
        {
            var u = (random.NextUInt64() >> 40) * (1.0f / (1 << 24));
            bytes[i] = (byte)(sbyte)Math.Clamp(MathF.Floor((chunk[i] * inverse) + u), -Levels, Levels);
        }

    }

    /// <summary>
    /// The 32 ints (each within ±127) as 32 bytes in order. AVX2's saturating packs work within 128-bit halves, so
    /// their output is permuted back into order: three instructions where the portable narrowing takes about twelve;
    /// with every value in range both give the same bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> PackBytes(Vector256<int> q0, Vector256<int> q1, Vector256<int> q2, Vector256<int> q3)
    {
        if (Avx2.IsSupported)
        {
            var packed = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(q0, q1), Avx2.PackSignedSaturate(q2, q3));
            return Avx2.PermuteVar8x32(packed.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsSByte();
        }

        return Vector256.Narrow(Vector256.Narrow(q0, q1), Vector256.Narrow(q2, q3));
    }

    /// <summary>One xorshift32 step of eight lanes. The states are passed by value so they stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Next(Vector256<uint> s)
    {
        s ^= Vector256.ShiftLeft(s, 13);
        s ^= Vector256.ShiftRightLogical(s, 17);
        return s ^ Vector256.ShiftLeft(s, 5);
    }

    /// <summary>
    /// min(high, max(low, ⌊x·factor + u⌋)) as ints, u from the state's top 24 bits. The values are finite (the chunk's
    /// maximum was checked), so the native min and max, which skip IEEE's NaN and signed-zero handling, give the same
    /// result; after clamping to ±127 the conversion needs no saturation either.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Round(Vector256<float> x, Vector256<uint> s, Vector256<float> factor, Vector256<float> toUnit, Vector256<float> low, Vector256<float> high)
    {
        var u = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(s, 8).AsInt32()) * toUnit;
        return Vector256.ConvertToInt32Native(Vector256.MinNative(high, Vector256.MaxNative(low, Vector256.Floor((x * factor) + u))));
    }

    /// <summary>Eight non-zero xorshift32 states from four draws: the two halves of each 64-bit number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Seeds(ref CodecRandom random)
    {
        var a = random.NextUInt64();
        var b = random.NextUInt64();
        var c = random.NextUInt64();
        var d = random.NextUInt64();
        return Vector256.Create(
            (uint)a | 1, (uint)(a >> 32) | 1, (uint)b | 1, (uint)(b >> 32) | 1,
            (uint)c | 1, (uint)(c >> 32) | 1, (uint)d | 1, (uint)(d >> 32) | 1);
    }

    public bool TryValidate(ReadOnlySpan<byte> source, out string? reason)
    {
        if (!CodecChecks.TrySize(this, source.Length, out reason))
        {
            return false;
        }

        var stride = ChunkLength + 4;
        for (var c = 0; c < Chunks; c++)
        {
            var chunkScale = BinaryPrimitives.ReadSingleLittleEndian(source[(c * stride)..]);
            if (!float.IsFinite(chunkScale) || chunkScale < 0)
            {
                reason = $"int8 chunk {c} has scale {chunkScale}; a scale must be finite and not negative";
                return false;
            }
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

        var stride = ChunkLength + 4;
        for (var c = 0; c < Chunks; c++)
        {
            var start = c * ChunkLength;
            var length = Math.Min(ChunkLength, Length - start);
            var header = c * stride;
            var factor = scale * BinaryPrimitives.ReadSingleLittleEndian(source[header..]);
            var bytes = source.Slice(header + 4, length);
            var target = destination.Slice(start, length);
            AddScaledBytes(bytes, target, factor);
        }

        return true;
    }
}
