using System.Buffers.Binary;

namespace GossipFl.Learning.Compression;

/// <summary>
/// <c>fp16</c>: IEEE half precision, two little-endian bytes per value, rounded to nearest even (relative error at most
/// 2⁻¹¹ for normal numbers). Values beyond ±65504 saturate rather than become infinite, so the encoding is always
/// finite; a received infinity or NaN is refused.
/// </summary>
public sealed class Float16Codec : ICodec
{
    private const float MaxHalf = 65504f;

    public Float16Codec(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, int.MaxValue / 2);
        Length = length;
    }

    public CodecSpec Spec => CodecSpec.Float16;

    public int Length { get; }

    public int EncodedSize => 2 * Length;

    public void Encode(ReadOnlySpan<float> values, Span<byte> destination, ref CodecRandom random)
    {
        CodecChecks.Sizes(this, values.Length, destination.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var half = (Half)Math.Clamp(values[i], -MaxHalf, MaxHalf);
            BinaryPrimitives.WriteHalfLittleEndian(destination[(2 * i)..], half);
        }
    }

    public bool TryValidate(ReadOnlySpan<byte> source, out string? reason)
    {
        if (!CodecChecks.TrySize(this, source.Length, out reason))
        {
            return false;
        }

        for (var i = 0; i < Length; i++)
        {
            // Exponent bits all ones: infinity or NaN.
            if ((BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) & 0x7C00) == 0x7C00)
            {
                reason = $"value {i} is not finite";
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

        for (var i = 0; i < Length; i++)
        {
            destination[i] += scale * (float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
        }

        return true;
    }
}
