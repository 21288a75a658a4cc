using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        var i = 0;
        if (BitConverter.IsLittleEndian)
        {
            ref var input = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(values));
            ref var output = ref Unsafe.As<byte, ushort>(ref MemoryMarshal.GetReference(destination));
            for (; i + 16 <= values.Length; i += 16)
            {
                var low = ToHalfBits(Vector256.LoadUnsafe(ref input, (nuint)i));
                var high = ToHalfBits(Vector256.LoadUnsafe(ref input, (nuint)(i + 8)));
                Vector256.Narrow(low, high).StoreUnsafe(ref output, (nuint)i);
            }
        }

        for (; i < values.Length; i++)
        {
            var half = (Half)Math.Clamp(values[i], -MaxHalf, MaxHalf);
            BinaryPrimitives.WriteHalfLittleEndian(destination[(2 * i)..], half);
        }
    }

    /// <summary>
    /// Float bits to half bits, rounding to nearest even, saturating at ±65504, NaN to a quiet NaN: the branch-free
    /// conversion of F. Giesen ("half to float done quic", 2013, float_to_half_fast3_rtne), eight at a time. It gives
    /// the same bits as the (Half) conversion the scalar tail uses (tested on every kind of value).
    /// </summary>
    private static Vector256<uint> ToHalfBits(Vector256<uint> bits)
    {
        var sign = Vector256.ShiftRightLogical(bits & Vector256.Create(0x8000_0000u), 16);
        var magnitude = bits & Vector256.Create(0x7FFF_FFFFu);
        var nan = Vector256.GreaterThan(magnitude, Vector256.Create(0x7F80_0000u));
        magnitude = Vector256.Min(magnitude, Vector256.Create(0x477F_E000u)); // 65504
        // Below 2^-14 the half is subnormal: adding 0.5 aligns the bits so the float adder rounds them (to even).
        var subnormal = Vector256.LessThan(magnitude, Vector256.Create(0x3880_0000u));
        var viaAdd = (magnitude.AsSingle() + Vector256.Create(0.5f)).AsUInt32() - Vector256.Create(0x3F00_0000u);
        // Normal: re-bias the exponent, then round to nearest even on the 13 dropped bits.
        var odd = Vector256.ShiftRightLogical(magnitude, 13) & Vector256.Create(1u);
        var normal = Vector256.ShiftRightLogical(magnitude + Vector256.Create(0xC800_0FFFu) + odd, 13);
        var half = Vector256.ConditionalSelect(subnormal, viaAdd, normal);
        half = Vector256.ConditionalSelect(nan, Vector256.Create(0x7E00u), half);
        return half | sign;
    }

    /// <summary>
    /// Finite half bits to floats, eight at a time (Giesen's half_to_float_fast: shift the exponent and mantissa into
    /// place and re-bias; a subnormal half is renormalized by one float subtraction). Exact: every half is a float.
    /// </summary>
    private static Vector256<float> ToSingle(Vector256<uint> half)
    {
        var shifted = Vector256.ShiftLeft(half & Vector256.Create(0x7FFFu), 13);
        var exponent = shifted & Vector256.Create(0x0F80_0000u);
        var normal = shifted + Vector256.Create(0x3800_0000u);
        var subnormal = ((normal + Vector256.Create(0x0080_0000u)).AsSingle() - Vector256.Create(0x3880_0000u).AsSingle()).AsUInt32();
        var magnitude = Vector256.ConditionalSelect(Vector256.Equals(exponent, Vector256<uint>.Zero), subnormal, normal);
        return (magnitude | Vector256.ShiftLeft(half & Vector256.Create(0x8000u), 16)).AsSingle();
    }

    public bool TryValidate(ReadOnlySpan<byte> source, out string? reason)
    {
        if (!CodecChecks.TrySize(this, source.Length, out reason))
        {
            return false;
        }

        var i = 0;
        if (BitConverter.IsLittleEndian)
        {
            // A vector at a time until one holds a non-finite value; the scalar loop then names it.
            var words = MemoryMarshal.Cast<byte, ushort>(source);
            var exponent = Vector256.Create((ushort)0x7C00);
            for (; i + 16 <= words.Length; i += 16)
            {
                if (Vector256.EqualsAny(Vector256.Create(words.Slice(i, 16)) & exponent, exponent))
                {
                    break;
                }
            }
        }

        for (; i < Length; i++)
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

        var i = 0;
        if (BitConverter.IsLittleEndian)
        {
            var factor = Vector256.Create(scale);
            ref var input = ref Unsafe.As<byte, ushort>(ref MemoryMarshal.GetReference(source));
            ref var output = ref MemoryMarshal.GetReference(destination);
            for (; i + 16 <= Length; i += 16)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref input, (nuint)i));
                (Vector256.LoadUnsafe(ref output, (nuint)i) + (factor * ToSingle(low))).StoreUnsafe(ref output, (nuint)i);
                (Vector256.LoadUnsafe(ref output, (nuint)(i + 8)) + (factor * ToSingle(high))).StoreUnsafe(ref output, (nuint)(i + 8));
            }
        }

        for (; i < Length; i++)
        {
            destination[i] += scale * (float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
        }

        return true;
    }
}
