using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);
            return;
        }

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

        if (BitConverter.IsLittleEndian)
        {
            // Exponent bits all ones: infinity or NaN. Checked on the raw words, a vector at a time.
            var words = MemoryMarshal.Cast<byte, uint>(source);
            var exponent = Vector256.Create(0x7F80_0000u);
            var i = 0;
            for (; i + 8 <= words.Length; i += 8)
            {
                if (Vector256.EqualsAny(Vector256.Create(words.Slice(i, 8)) & exponent, exponent))
                {
                    break;
                }
            }

            for (; i < words.Length; i++)
            {
                if ((words[i] & 0x7F80_0000u) == 0x7F80_0000u)
                {
                    reason = $"value {i} is not finite";
                    return false;
                }
            }

            return true;
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

        if (BitConverter.IsLittleEndian)
        {
            Algorithms.VectorMath.AddScaled(destination, MemoryMarshal.Cast<byte, float>(source), scale);
            return true;
        }

        for (var i = 0; i < Length; i++)
        {
            destination[i] += scale * BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
        }

        return true;
    }
}
