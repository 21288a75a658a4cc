using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Node;

/// <summary>
/// Checkpoints in a node's data directory, one file per round (<c>checkpoints/round-000042.ckpt</c>) plus the
/// optimizer state beside it (<c>round-000042.optim</c>). A file is written to a temporary name, flushed to disk
/// and renamed, so a crash leaves either the old or the new checkpoint, never half of one. Loading takes the
/// newest file that verifies and says why any newer one was passed over.
/// </summary>
/// <remarks>
/// Layout, little-endian: magic "GFCK" (4 bytes), format version (u16), reserved (u16), round (i64), push-sum
/// weight (f64), parameter count (i64), parameters (f32 each), then a SHA-256 over everything before it
/// (the framework has no CRC-32 without an extra package; hashing is cheap next to writing the file).
/// </remarks>
internal sealed partial class CheckpointStore
{
    public const int FormatVersion = 1;

    private const int HeaderSize = 32;
    private const int TrailerSize = 32;
    private static readonly byte[] Magic = "GFCK"u8.ToArray();

    private readonly string _directory;
    private readonly int _keep;
    private readonly ILogger _logger;

    public CheckpointStore(string dataDirectory, ILogger logger, int keep = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        _directory = Path.Combine(dataDirectory, "checkpoints");
        _keep = keep;
        _logger = logger;
        System.IO.Directory.CreateDirectory(_directory);
    }

    public string Directory => _directory;

    /// <summary>Where the optimizer state of <paramref name="round"/> goes; the caller writes it before <see cref="Save"/>.</summary>
    public string OptimizerStatePath(long round) => Path.Combine(_directory, FileStem(round) + ".optim");

    public void Save(long round, double weight, ReadOnlySpan<float> parameters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        var size = HeaderSize + ((long)parameters.Length * sizeof(float)) + TrailerSize;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], round);
        BinaryPrimitives.WriteDoubleLittleEndian(span[16..], weight);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], parameters.Length);
        for (var i = 0; i < parameters.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(span[(HeaderSize + (i * sizeof(float)))..], parameters[i]);
        }

        SHA256.HashData(span[..^TrailerSize], span[^TrailerSize..]);
        var target = Path.Combine(_directory, FileStem(round) + ".ckpt");
        var temporary = target + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, target, overwrite: true);
        Prune();
    }

    /// <summary>The newest checkpoint that verifies, or null when there is none.</summary>
    public Checkpoint? LoadLatest(int expectedParameterCount)
    {
        foreach (var file in CheckpointFiles().OrderByDescending(f => f.Round))
        {
            if (TryRead(file.Path, expectedParameterCount, out var checkpoint, out var problem))
            {
                return checkpoint;
            }

            LogSkipped(file.Path, problem);
        }

        return null;
    }

    internal bool TryRead(string path, int expectedParameterCount, out Checkpoint checkpoint, out string problem)
    {
        checkpoint = null!;
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderSize + TrailerSize || !bytes.AsSpan(0, 4).SequenceEqual(Magic))
        {
            problem = "not a GossipFl checkpoint (bad magic or too short)";
            return false;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4));
        if (version != FormatVersion)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"format version {version}, this build reads {FormatVersion}");
            return false;
        }

        var count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24));
        if (count != expectedParameterCount)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"holds {count} parameters, the model has {expectedParameterCount}");
            return false;
        }

        if (bytes.Length != HeaderSize + (count * sizeof(float)) + TrailerSize)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"is {bytes.Length} bytes, {count} parameters need {HeaderSize + (count * sizeof(float)) + TrailerSize}");
            return false;
        }

        if (!SHA256.HashData(bytes.AsSpan(0, bytes.Length - TrailerSize)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - TrailerSize)))
        {
            problem = "checksum mismatch (the file is damaged)";
            return false;
        }

        var parameters = new float[count];
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(HeaderSize + (i * sizeof(float))));
        }

        var round = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
        var optimizer = OptimizerStatePath(round);
        checkpoint = new Checkpoint(round, BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(16)), parameters, File.Exists(optimizer) ? optimizer : null);
        problem = string.Empty;
        return true;
    }

    private void Prune()
    {
        foreach (var old in CheckpointFiles().OrderByDescending(f => f.Round).Skip(_keep))
        {
            File.Delete(old.Path);
            File.Delete(OptimizerStatePath(old.Round));
        }
    }

    private IEnumerable<(long Round, string Path)> CheckpointFiles() =>
        System.IO.Directory.EnumerateFiles(_directory, "round-*.ckpt")
            .Select(path => (Ok: long.TryParse(Path.GetFileNameWithoutExtension(path)["round-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var round), round, path))
            .Where(f => f.Ok)
            .Select(f => (f.round, f.path));

    private static string FileStem(long round) => string.Create(CultureInfo.InvariantCulture, $"round-{round:D6}");

    [LoggerMessage(Level = LogLevel.Warning, Message = "skipping checkpoint {Path}: {Problem}")]
    private partial void LogSkipped(string path, string problem);
}
