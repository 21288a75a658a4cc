using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GossipFl.Learning.Compression;

/// <summary>
/// <c>sign</c>: scaled sign compression, one bit per value. The values in chunks of <see cref="ChunkLength"/>, each
/// chunk a little-endian float scale s = mean |x| over the chunk followed by one bit per value, least significant bit
/// first (set: the value's sign bit is set). A value decodes to +s or −s. For given signs, mean |x| is the scale that
/// minimizes the squared error, which is then ‖x‖² − ‖x‖₁²/d over a chunk of d values: a contraction (at least by
/// 1/d, about 2/π for Gaussian-like values), so CHOCO-SGD's estimates and error feedback apply and nothing the codec
/// drops is lost, only sent later (scaled sign with error feedback: Karimireddy et al., "Error Feedback Fixes SignSGD
/// and other Gradient Compression Schemes", ICML 2019). Deterministic: the random source is not used. The scale costs
/// 4 bytes per 256 values, so the encoding is 28.4x smaller than float32.
/// </summary>
public sealed class SignCodec : ICodec
{
    /// <summary>Values per scale: a multiple of 8, so every chunk but the last fills whole bytes.</summary>
    public const int ChunkLength = 256;

    public SignCodec(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        Chunks = (length + ChunkLength - 1) / ChunkLength;
    }

    public CodecSpec Spec => CodecSpec.Sign;

    public int Length { get; }

    private int Chunks { get; }

    /// <summary>A scale per chunk and a bit per value (the last chunk's bits padded to a whole byte with zeros).</summary>
    public int EncodedSize => (4 * Chunks) + ((Length + 7) / 8);

    public void Encode(ReadOnlySpan<float> values, Span<byte> destination, ref CodecRandom random)
    {
        CodecChecks.Sizes(this, values.Length, destination.Length);
        var at = 0;
        for (var start = 0; start < values.Length; start += ChunkLength)
        {
            var chunk = values.Slice(start, Math.Min(ChunkLength, values.Length - start));
            var scale = MeanMagnitude(chunk);
            if (!float.IsFinite(scale))
            {
                throw new ArgumentException($"sign codec: a value in {start}..{start + chunk.Length - 1} is not finite", nameof(values));
            }

            BinaryPrimitives.WriteSingleLittleEndian(destination[at..], scale);
            at += 4;
            var bits = destination.Slice(at, (chunk.Length + 7) / 8);
            at += bits.Length;
            SignBits(chunk, bits);
        }
    }

    /// <summary>
    /// Σ|x| / n in float, eight lanes at a time summed in a fixed order, so the scale has the same bits on every
    /// machine. NaN or infinity in the chunk makes it non-finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MeanMagnitude(ReadOnlySpan<float> chunk)
    {
        var i = 0;
        var sum = 0f;
        if (chunk.Length >= 2 * Vector256<float>.Count)
        {
            // Two accumulators, so consecutive additions do not wait for each other.
            var acc = Vector256<float>.Zero;
            var acc2 = Vector256<float>.Zero;
            ref var first = ref MemoryMarshal.GetReference(chunk);
            for (; i + (2 * Vector256<float>.Count) <= chunk.Length; i += 2 * Vector256<float>.Count)
            {
                acc += Vector256.Abs(Vector256.LoadUnsafe(ref first, (nuint)i));
                acc2 += Vector256.Abs(Vector256.LoadUnsafe(ref first, (nuint)(i + Vector256<float>.Count)));
            }

            acc += acc2;
            for (var lane = 0; lane < Vector256<float>.Count; lane++)
            {
                sum += acc[lane];
            }
        }

        for (; i < chunk.Length; i++)
        {
            sum += Math.Abs(chunk[i]);
        }

        return float.IsPositiveInfinity(sum) ? WideMeanMagnitude(chunk) : sum / chunk.Length;
    }

    /// <summary>
    /// The mean in double, for a chunk whose float sum overflowed: the mean of finite floats is a finite float, so a
    /// model far out (a diverging run) still encodes, and the node's own check names the divergence.
    /// </summary>
    private static float WideMeanMagnitude(ReadOnlySpan<float> chunk)
    {
        var sum = 0.0;
        foreach (var value in chunk)
        {
            sum += Math.Abs(value);
        }

        return (float)(sum / chunk.Length);
    }

    /// <summary>Each value's sign bit, eight values to a byte, first value in the least significant bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SignBits(ReadOnlySpan<float> chunk, Span<byte> bits)
    {
        var i = 0;
        ref var first = ref MemoryMarshal.GetReference(chunk);
        for (; i + Vector256<float>.Count <= chunk.Length; i += Vector256<float>.Count)
        {
            bits[i >> 3] = (byte)Vector256.LoadUnsafe(ref first, (nuint)i).ExtractMostSignificantBits();
        }

        if (i < chunk.Length)
        {
            var last = 0;
            for (var k = 0; i + k < chunk.Length; k++)
            {
                last |= (BitConverter.SingleToInt32Bits(chunk[i + k]) >>> 31) << k;
            }

            bits[i >> 3] = (byte)last;
        }
    }

    public bool TryValidate(ReadOnlySpan<byte> source, out string? reason)
    {
        if (!CodecChecks.TrySize(this, source.Length, out reason))
        {
            return false;
        }

        var at = 0;
        for (var c = 0; c < Chunks; c++)
        {
            var length = Math.Min(ChunkLength, Length - (c * ChunkLength));
            var chunkScale = BinaryPrimitives.ReadSingleLittleEndian(source[at..]);
            if (!float.IsFinite(chunkScale) || chunkScale < 0)
            {
                reason = $"sign chunk {c} has scale {chunkScale}; a scale must be finite and not negative";
                return false;
            }

            at += 4;
            var bytes = (length + 7) / 8;
            var padding = length % 8;
            if (padding != 0 && (source[at + bytes - 1] >> padding) != 0)
            {
                reason = $"sign chunk {c} sets bits past its {length} values";
                return false;
            }

            at += bytes;
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

        var at = 0;
        for (var c = 0; c < Chunks; c++)
        {
            var start = c * ChunkLength;
            var length = Math.Min(ChunkLength, Length - start);
            var factor = scale * BinaryPrimitives.ReadSingleLittleEndian(source[at..]);
            at += 4;
            var bits = source.Slice(at, (length + 7) / 8);
            at += bits.Length;
            AddSigned(bits, destination.Slice(start, length), factor);
        }

        return true;
    }

    /// <summary>target[i] += (bit i set ? −factor : factor), eight at a time: the byte's bits select the sign lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddSigned(ReadOnlySpan<byte> bits, Span<float> target, float factor)
    {
        var i = 0;
        var lanes = Vector256.Create(1, 2, 4, 8, 16, 32, 64, 128);
        var plus = Vector256.Create(factor);
        var minus = Vector256.Create(-factor);
        ref var output = ref MemoryMarshal.GetReference(target);
        for (; i + Vector256<float>.Count <= target.Length; i += Vector256<float>.Count)
        {
            var negative = Vector256.Equals(Vector256.Create((int)bits[i >> 3]) & lanes, lanes).AsSingle();
            var current = Vector256.LoadUnsafe(ref output, (nuint)i);
            (current + Vector256.ConditionalSelect(negative, minus, plus)).StoreUnsafe(ref output, (nuint)i);
        }

        for (; i < target.Length; i++)
        {
            target[i] += ((bits[i >> 3] >> (i & 7)) & 1) != 0 ? -factor : factor;
        }
    }
}
