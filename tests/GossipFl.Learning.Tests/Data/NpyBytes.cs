using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace GossipFl.Learning.Tests.Data;

/// <summary>
/// Builds NPY arrays and NPZ archives byte by byte (layout from numpy.lib.format: magic, version, header length,
/// dict header padded to a multiple of 64 bytes), so tests control every field, including wrong ones.
/// </summary>
internal static class NpyBytes
{
    public static byte[] Array(string descr, long[] shape, byte[] data, bool fortran = false, int major = 1, string? header = null)
    {
        var dims = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))})";
        var text = header ?? $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {dims}, }}";
        var prefix = major == 1 ? 10 : 12;
        var padded = text.PadRight(((prefix + text.Length + 1 + 63) / 64 * 64) - prefix - 1) + "\n";
        var headerBytes = Encoding.Latin1.GetBytes(padded);
        var bytes = new byte[prefix + headerBytes.Length + data.Length];
        bytes[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(bytes, 1);
        bytes[6] = (byte)major;
        bytes[7] = 0;
        if (major == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerBytes.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)headerBytes.Length);
        }

        headerBytes.CopyTo(bytes, prefix);
        data.CopyTo(bytes, prefix + headerBytes.Length);
        return bytes;
    }

    public static byte[] Floats(float[] values, params long[] shape)
    {
        var data = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), values[i]);
        }

        return Array("<f4", shape, data);
    }

    public static byte[] Doubles(double[] values, params long[] shape)
    {
        var data = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8 * i), values[i]);
        }

        return Array("<f8", shape, data);
    }

    public static byte[] BigEndianFloats(float[] values, params long[] shape)
    {
        var data = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleBigEndian(data.AsSpan(4 * i), values[i]);
        }

        return Array(">f4", shape, data);
    }

    public static byte[] Bytes(byte[] values, params long[] shape) => Array("|u1", shape, values);

    public static byte[] Int64s(params long[] values)
    {
        var data = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8 * i), values[i]);
        }

        return Array("<i8", [values.Length], data);
    }

    /// <summary>Fixed-width UTF-32 strings, NUL-padded, as numpy stores a '&lt;U' array.</summary>
    public static byte[] Unicode(params string[] values)
    {
        var width = values.Max(v => v.Length);
        var data = new byte[values.Length * width * 4];
        for (var i = 0; i < values.Length; i++)
        {
            for (var c = 0; c < values[i].Length; c++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan((((i * width) + c) * 4)), values[i][c]);
            }
        }

        return Array($"<U{width}", [values.Length], data);
    }

    public static byte[] Zip(bool compressed, params (string Name, byte[] Bytes)[] members)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in members)
            {
                var entry = zip.CreateEntry(name, compressed ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using var stream = entry.Open();
                stream.Write(bytes);
            }
        }

        return output.ToArray();
    }
}
