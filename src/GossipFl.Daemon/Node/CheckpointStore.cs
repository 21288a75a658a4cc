using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using GossipFl.Learning.Learners;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Node;

/// <summary>
/// Checkpoints in a node's data directory, one file per round (<c>checkpoints/round-000042.ckpt</c>), holding the
/// parameters, the push-sum weight and the learner's state (data-order position and optimizer state), so a node
/// restarted from one continues exactly as a node that never stopped. A file is written to a temporary name,
/// flushed to disk and renamed, so a crash leaves either the old or the new checkpoint, never half of one.
/// Loading takes the newest file that verifies and whose learner state the learner accepts, and says why any
/// newer one was passed over.
/// </summary>
/// <remarks>
/// Layout, little-endian: magic "GFCK" (4 bytes), format version (u16), reserved (u16), round (i64), push-sum
/// weight (f64), parameter count (i64), parameters (f32 each), learner state length (i64), learner state bytes,
/// then a SHA-256 over everything before it (the framework has no CRC-32 without an extra package; hashing is
/// cheap next to writing the file). Format 1 is the same without the learner state; it still loads, and the
/// learner then starts its data order afresh, which is logged.
/// </remarks>
internal sealed partial class CheckpointStore
{
    public const int FormatVersion = 2;

    private const int LegacyFormatVersion = 1;
    private const int HeaderSize = 32;
    private const int LengthSize = sizeof(long);
    private const int TrailerSize = 32;
    private static readonly byte[] Magic = "GFCK"u8.ToArray();

    private readonly string _directory;
    private readonly int _keep;
    private readonly ILogger _logger;
    private readonly IResumableLearner? _learner;

    /// <param name="dataDirectory">The node's data directory; checkpoints go to its <c>checkpoints</c> folder.</param>
    /// <param name="logger">Receives why a checkpoint was passed over.</param>
    /// <param name="keep">How many of the newest checkpoints to keep.</param>
    /// <param name="learner">
    /// The learner whose state each <see cref="Save"/> records and <see cref="LoadLatest"/> restores; null for
    /// parameters only.
    /// </param>
    public CheckpointStore(string dataDirectory, ILogger logger, int keep = 3, IResumableLearner? learner = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        _directory = Path.Combine(dataDirectory, "checkpoints");
        _keep = keep;
        _logger = logger;
        _learner = learner;
        System.IO.Directory.CreateDirectory(_directory);
    }

    public string Directory => _directory;

    /// <summary>Records round <paramref name="round"/>: the parameters and weight given, and the learner's state as it is now.</summary>
    public void Save(long round, double weight, ReadOnlySpan<float> parameters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        var learnerState = _learner?.SaveState() ?? [];
        var statePosition = HeaderSize + ((long)parameters.Length * sizeof(float));
        var bytes = new byte[statePosition + LengthSize + learnerState.Length + TrailerSize];
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

        BinaryPrimitives.WriteInt64LittleEndian(span[(int)statePosition..], learnerState.Length);
        learnerState.CopyTo(span[((int)statePosition + LengthSize)..]);
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

    /// <summary>
    /// The newest checkpoint that verifies and, when the store has a learner, whose learner state it accepted
    /// (the learner is then restored to it); null when there is none.
    /// </summary>
    public Checkpoint? LoadLatest(int expectedParameterCount)
    {
        foreach (var file in CheckpointFiles().OrderByDescending(f => f.Round))
        {
            if (!TryRead(file.Path, expectedParameterCount, out var checkpoint, out var problem))
            {
                LogSkipped(file.Path, problem);
                continue;
            }

            if (_learner is null)
            {
                return checkpoint;
            }

            if (checkpoint.LearnerState is null)
            {
                LogNoLearnerState(file.Path);
                return checkpoint;
            }

            try
            {
                _learner.RestoreState(checkpoint.LearnerState);
                return checkpoint;
            }
            catch (LearnerStateException ex)
            {
                // An older checkpoint may still fit (the state is checked, so this is a changed setting, not damage).
                var reason = "its learner state cannot be restored: " + ex.Message;
                LogSkipped(file.Path, reason);
            }
        }

        return null;
    }

    /// <summary>The rounds this store holds a checkpoint of, oldest first (only the newest few are kept).</summary>
    public IReadOnlyList<long> Rounds() => CheckpointFiles().Select(f => f.Round).Order().ToArray();

    /// <summary>The checkpoint of <paramref name="round"/>, parameters and weight only (the learner is not touched).</summary>
    /// <exception cref="InvalidDataException">There is none for that round, or it does not verify; the message says which.</exception>
    public Checkpoint Load(long round, int expectedParameterCount)
    {
        var file = CheckpointFiles().FirstOrDefault(f => f.Round == round);
        if (file.Path is null)
        {
            var held = Rounds();
            throw new InvalidDataException(
                $"{_directory} holds no checkpoint of round {round}; it holds {(held.Count == 0 ? "none" : "rounds " + string.Join(", ", held))}");
        }

        return TryRead(file.Path, expectedParameterCount, out var checkpoint, out var problem)
            ? checkpoint
            : throw new InvalidDataException($"{file.Path}: {problem}");
    }

    internal static bool TryRead(string path, int expectedParameterCount, out Checkpoint checkpoint, out string problem)
    {
        checkpoint = null!;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException ex)
        {
            problem = "cannot be read: " + ex.Message;
            return false;
        }

        if (bytes.Length < HeaderSize + TrailerSize || !bytes.AsSpan(0, 4).SequenceEqual(Magic))
        {
            problem = "not a GossipFl checkpoint (bad magic or too short)";
            return false;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4));
        if (version is not (FormatVersion or LegacyFormatVersion))
        {
            problem = Format($"format version {version}, this build reads {LegacyFormatVersion} and {FormatVersion}");
            return false;
        }

        var count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24));
        if (count != expectedParameterCount)
        {
            problem = Format($"holds {count} parameters, the model has {expectedParameterCount}");
            return false;
        }

        // Sizes in long: a damaged length field must give a message, not an overflow.
        var statePosition = HeaderSize + (count * sizeof(float));
        long stateLength = 0;
        if (version == FormatVersion)
        {
            var minimum = statePosition + LengthSize + TrailerSize;
            if (bytes.Length < minimum)
            {
                problem = Format($"is {bytes.Length} bytes, {count} parameters need at least {minimum}");
                return false;
            }

            stateLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)statePosition));
            if (stateLength < 0 || stateLength != bytes.Length - minimum)
            {
                problem = Format($"is {bytes.Length} bytes, {count} parameters and {stateLength} bytes of learner state need {minimum + stateLength}");
                return false;
            }
        }
        else if (bytes.Length != statePosition + TrailerSize)
        {
            problem = Format($"is {bytes.Length} bytes, {count} parameters need {statePosition + TrailerSize}");
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

        var learnerState = stateLength == 0 ? null : bytes.AsSpan((int)statePosition + LengthSize, (int)stateLength).ToArray();
        var round = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
        checkpoint = new Checkpoint(round, BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(16)), parameters, learnerState);
        problem = string.Empty;
        return true;
    }

    private void Prune()
    {
        foreach (var old in CheckpointFiles().OrderByDescending(f => f.Round).Skip(_keep))
        {
            File.Delete(old.Path);
        }
    }

    private IEnumerable<(long Round, string Path)> CheckpointFiles() =>
        System.IO.Directory.EnumerateFiles(_directory, "round-*.ckpt")
            .Select(path => (Ok: long.TryParse(Path.GetFileNameWithoutExtension(path)["round-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var round), round, path))
            .Where(f => f.Ok)
            .Select(f => (f.round, f.path));

    private static string FileStem(long round) => string.Create(CultureInfo.InvariantCulture, $"round-{round:D6}");

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "skipping checkpoint {Path}: {Problem}")]
    private partial void LogSkipped(string path, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "checkpoint {Path} holds no learner state (written before checkpoint format 2): its parameters resume, but the data order and optimizer state start afresh")]
    private partial void LogNoLearnerState(string path);
}
