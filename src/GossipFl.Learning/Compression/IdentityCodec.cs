using System.Buffers.Binary;

namespace GossipFl.Learning.Compression;

/// <summary><c>none</c>: each value as four little-endian IEEE single-precision bytes.</summary>
public sealed class IdentityCodec : ICodec
{
    public IdentityCodec(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, int.MaxValue / 4);
        Length = length;
    }

    public CodecSpec Spec => CodecSpec.None;

    public int Length { get; }

    public int EncodedSize => 4 * Length;

    public void Encode(ReadOnlySpan<float> values, Span<byte> destination, ref CodecRandom random)
    {
        CodecChecks.Sizes(this, values.Length, destination.Length);
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], values[i]);
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
            if (!float.IsFinite(BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..])))
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
            destination[i] += scale * BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
        }

        return true;
    }
}
