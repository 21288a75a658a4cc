using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using GossipFl.Learning.Data;
using StbImageWriteSharp;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// Writes disjoint, label-skewed slices of Fashion-MNIST's training images as the files users actually have, one
/// format per node and one directory per node: a CSV with the label first (as Kaggle's Fashion-MNIST CSV), an .npz
/// as <c>np.savez(x=uint8 (N, 28, 28), y=int64)</c> writes it, a gzipped IDX pair, and a torchvision ImageFolder
/// of grey PNGs. Every format holds the raw 0..255 pixels; the task contract maps them the same way for all.
/// </summary>
internal static class OwnDataFiles
{
    public const string TaskSection =
        "  task:\n    input: [1, 28, 28]\n    classes: [T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot]\n"
        + "    range: [0, 255]\n    normalize: {mean: 0.2860, std: 0.3530}\n";

    private const int Pixels = 28 * 28;

    public enum Format
    {
        CsvLabelFirst,
        Npz,
        Idx,
        ImageFolder,
    }

    /// <summary>
    /// Splits the first <paramref name="samples"/> training images among <paramref name="formats"/>.Length nodes with a
    /// Dirichlet(α) label skew and writes node k's slice under <c>root/node-k</c> in <c>formats[k]</c>. Returns each
    /// node's directory and the classes it holds.
    /// </summary>
    public static (string Directory, int[] Classes)[] Write(string root, int samples, double alpha, ulong seed, params Format[] formats)
    {
        var directory = FashionMnist.ResolveDirectory();
        var images = IdxReader.Read(Path.Combine(directory, "train-images-idx3-ubyte.gz"), 3);
        var labels = IdxReader.Read(Path.Combine(directory, "train-labels-idx1-ubyte.gz"), 1);
        var identity = Enumerable.Range(0, 256).Select(b => (float)b).ToArray();
        var pool = Dataset.FromCodes("pool", images.Data[..(samples * Pixels)], identity, labels.Data[..samples].Select(b => (long)b).ToArray(), [1, 28, 28], 10);
        var partition = Partitioner.Dirichlet(pool, formats.Length, alpha, seed, minSamplesPerClient: 300);
        var result = new (string, int[])[formats.Length];
        for (var node = 0; node < formats.Length; node++)
        {
            var rows = partition.IndicesOf(node).ToArray();
            var nodeDirectory = Path.Combine(root, $"node-{node + 1}");
            Directory.CreateDirectory(nodeDirectory);
            var pixels = new byte[rows.Length * Pixels];
            var classes = new byte[rows.Length];
            for (var i = 0; i < rows.Length; i++)
            {
                images.Data.AsSpan(rows[i] * Pixels, Pixels).CopyTo(pixels.AsSpan(i * Pixels));
                classes[i] = labels.Data[rows[i]];
            }

            switch (formats[node])
            {
                case Format.CsvLabelFirst:
                    WriteCsv(Path.Combine(nodeDirectory, "fashion.csv"), pixels, classes);
                    break;
                case Format.Npz:
                    WriteNpz(Path.Combine(nodeDirectory, "fashion.npz"), pixels, classes);
                    break;
                case Format.Idx:
                    WriteIdx(Path.Combine(nodeDirectory, "train-images-idx3-ubyte.gz"), [rows.Length, 28, 28], pixels);
                    WriteIdx(Path.Combine(nodeDirectory, "train-labels-idx1-ubyte.gz"), [rows.Length], classes);
                    break;
                case Format.ImageFolder:
                    WriteImageFolder(nodeDirectory, pixels, classes);
                    break;
            }

            result[node] = (nodeDirectory, classes.Distinct().Select(c => (int)c).Order().ToArray());
        }

        return result;
    }

    /// <summary>Kaggle's layout: a header <c>label,pixel1,...,pixel784</c>, then the class id and the 784 pixels per row.</summary>
    private static void WriteCsv(string path, byte[] pixels, byte[] classes)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        writer.Write("label");
        for (var p = 1; p <= Pixels; p++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $",pixel{p}"));
        }

        writer.Write('\n');
        for (var i = 0; i < classes.Length; i++)
        {
            writer.Write(classes[i].ToString(CultureInfo.InvariantCulture));
            foreach (var value in pixels.AsSpan(i * Pixels, Pixels))
            {
                writer.Write(',');
                writer.Write(value.ToString(CultureInfo.InvariantCulture));
            }

            writer.Write('\n');
        }
    }

    /// <summary>What <c>np.savez(path, x=x, y=y)</c> writes: a zip of x.npy and y.npy (NPY format version 1.0).</summary>
    private static void WriteNpz(string path, byte[] pixels, byte[] classes)
    {
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        WriteNpy(zip, "x.npy", "|u1", $"({classes.Length}, 28, 28)", pixels);
        var labels = new byte[classes.Length * 8];
        for (var i = 0; i < classes.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(labels.AsSpan(8 * i), classes[i]);
        }

        WriteNpy(zip, "y.npy", "<i8", $"({classes.Length},)", labels);
    }

    private static void WriteNpy(ZipArchive zip, string name, string descr, string shape, byte[] data)
    {
        var dictionary = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64 and ending in '\n'.
        var padded = ((10 + dictionary.Length + 1 + 63) / 64 * 64) - 10;
        var header = dictionary.PadRight(padded - 1) + "\n";
        using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        stream.Write([0x93, .. "NUMPY"u8, 1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(data);
    }

    private static void WriteIdx(string path, int[] dimensions, byte[] data)
    {
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gzip.Write([0, 0, IdxReader.UnsignedByteType, (byte)dimensions.Length]);
        Span<byte> size = stackalloc byte[4];
        foreach (var dimension in dimensions)
        {
            BinaryPrimitives.WriteInt32BigEndian(size, dimension);
            gzip.Write(size);
        }

        gzip.Write(data);
    }

    /// <summary>torchvision's ImageFolder: one sub-folder per class (named by class id: some names hold a '/'), grey PNGs.</summary>
    private static void WriteImageFolder(string root, byte[] pixels, byte[] classes)
    {
        var writer = new ImageWriter();
        for (var i = 0; i < classes.Length; i++)
        {
            var folder = Path.Combine(root, classes[i].ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            using var stream = File.Create(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{i:D5}.png")));
            writer.WritePng(pixels.AsSpan(i * Pixels, Pixels).ToArray(), 28, 28, ColorComponents.Grey, stream);
        }
    }
}
