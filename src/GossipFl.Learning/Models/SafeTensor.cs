using System.Buffers.Binary;

namespace GossipFl.Learning.Models;

/// <summary>
/// One named tensor of a safetensors file: its dtype as the format spells it (<see cref="SafeTensorDType"/>), its
/// shape (outermost first, row-major; empty for a scalar) and its raw little-endian bytes. Records compare
/// <see cref="Data"/> and <see cref="Shape"/> by reference, so compare contents explicitly in tests.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1819", Justification = "The raw bytes are the tensor; copying them on every access would double the memory of a model.")]
public sealed record SafeTensor(string Name, string DType, IReadOnlyList<long> Shape, byte[] Data)
{
    /// <summary>Number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (var dim in Shape)
            {
                count = checked(count * dim);
            }

            return count;
        }
    }

    /// <summary>An F32 tensor holding <paramref name="values"/>, whose count must equal the product of <paramref name="shape"/>.</summary>
    public static SafeTensor FromFloats(string name, IReadOnlyList<long> shape, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var dim in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dim, nameof(shape));
            count = checked(count * dim);
        }

        if (count != values.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} values, but {values.Length} were given.", nameof(values));
        }

        var data = new byte[checked(values.Length * sizeof(float))];
        for (var i = 0; i < values.Length; i++)
        {
            // Explicit little-endian: the format's byte order, whatever the machine's.
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * sizeof(float)), values[i]);
        }

        return new SafeTensor(name, SafeTensorDType.F32, shape.ToArray(), data);
    }

    /// <summary>
    /// The values as floats. F32, F16 and BF16 convert exactly (every such value is a float); F64 rounds to the
    /// nearest float, because GossipFl's parameters are floats and a model saved in double precision should still
    /// load. Any other dtype is an <see cref="InvalidOperationException"/>: integers are not parameters.
    /// </summary>
    public float[] ToFloats()
    {
        if (!SafeTensorDType.TryGetSize(DType, out var size) || Data.Length % size != 0)
        {
            throw new InvalidOperationException($"tensor '{Name}': {Data.Length} bytes of {DType} are not whole elements.");
        }

        var bytes = Data.AsSpan();
        var values = new float[Data.Length / size];
        switch (DType)
        {
            case SafeTensorDType.F32:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
                }

                break;
            case SafeTensorDType.F64:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]);
                }

                break;
            case SafeTensorDType.F16:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]);
                }

                break;
            case SafeTensorDType.BF16:
                // bfloat16 is the upper half of a float32's bits.
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16);
                }

                break;
            default:
                throw new InvalidOperationException($"tensor '{Name}' is {DType}; only F32, F64, F16 and BF16 convert to floats.");
        }

        return values;
    }
}
