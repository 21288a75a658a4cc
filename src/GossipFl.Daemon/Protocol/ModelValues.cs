using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// The body every model-carrying message ends with: float32 values, little-endian (the in-memory order on every
/// machine we run on, so a model is copied, not converted, value by value). Reading refuses non-finite values,
/// so one bad or hostile peer cannot poison a model.
/// </summary>
internal static class ModelValues
{
    public static void Write(ReadOnlySpan<float> values, Span<byte> body)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(body);
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(body[(i * sizeof(float))..], values[i]);
        }
    }

    /// <summary>Reads <paramref name="count"/> values from <paramref name="body"/>, which the caller has checked is long enough.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, uint count, out float[] values, out string reason)
    {
        values = new float[count];
        for (var i = 0; i < values.Length; i++)
        {
            var value = BinaryPrimitives.ReadSingleLittleEndian(body[(i * sizeof(float))..]);
            if (!float.IsFinite(value))
            {
                values = [];
                reason = $"value {i} is {value}";
                return false;
            }

            values[i] = value;
        }

        reason = string.Empty;
        return true;
    }
}
