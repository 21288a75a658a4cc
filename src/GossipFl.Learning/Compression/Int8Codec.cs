using System.Buffers.Binary;

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
            var max = 0f;
            foreach (var v in chunk)
            {
                var magnitude = Math.Abs(v);
                if (!float.IsFinite(magnitude))
                {
                    throw new ArgumentException($"int8 codec: value {start} onwards is not finite", nameof(values));
                }

                max = Math.Max(max, magnitude);
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

            var inverse = Levels / max;
            for (var i = 0; i < chunk.Length; i += 2)
            {
                // One 64-bit draw feeds two values (24 bits each).
                var bits = random.NextUInt64();
                bytes[i] = Round(chunk[i] * inverse, (bits >> 40) * (1.0f / (1 << 24)));
                if (i + 1 < chunk.Length)
                {
                    bytes[i + 1] = Round(chunk[i + 1] * inverse, ((bits >> 8) & 0xFFFFFF) * (1.0f / (1 << 24)));
                }
            }
        }
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
            for (var i = 0; i < length; i++)
            {
                target[i] += (sbyte)bytes[i] * factor;
            }
        }

        return true;
    }

    private static byte Round(float scaled, float uniform)
    {
        var q = MathF.Floor(scaled + uniform);
        return (byte)(sbyte)Math.Clamp(q, -Levels, Levels);
    }
}
