using System.Buffers.Binary;
using System.IO.Compression;

namespace GossipFl.Learning.Tests.Data;

/// <summary>Builds IDX files byte by byte, so tests control every field, including wrong ones.</summary>
internal static class IdxBytes
{
    public static byte[] Build(byte type, int[] dimensions, byte[] data, int? dimensionCountByte = null)
    {
        var bytes = new byte[4 + (4 * dimensions.Length) + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)(dimensionCountByte ?? dimensions.Length);
        for (var i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i), 4), dimensions[i]);
        }

        data.CopyTo(bytes.AsSpan(4 + (4 * dimensions.Length)));
        return bytes;
    }

    public static byte[] Images(int count, int rows, int columns, Func<int, byte> pixel)
    {
        var data = new byte[count * rows * columns];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = pixel(i);
        }

        return Build(0x08, [count, rows, columns], data);
    }

    public static byte[] Labels(params byte[] labels) => Build(0x08, [labels.Length], labels);

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }

        return output.ToArray();
    }
}
