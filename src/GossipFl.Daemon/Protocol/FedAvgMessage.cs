using System.Buffers.Binary;

namespace GossipFl.Daemon.Protocol;

/// <summary>The three model-carrying messages of a FedAvg round.</summary>
public enum FedAvgMessageKind : byte
{
    /// <summary>Coordinator to a sampled client: the global model to start this round's local training from.</summary>
    Assignment = 6,

    /// <summary>Client to coordinator: its model after local training and its sample count (the averaging weight).</summary>
    Update = 7,

    /// <summary>Coordinator to every peer: the new global model, once the round is averaged.</summary>
    GlobalModel = 8,
}

/// <summary>
/// A FedAvg message of one round of one coordinator term. The term lets a peer tell the current coordinator's
/// messages from a deposed one's; the authenticated transport names the sender.
/// </summary>
/// <remarks>
/// Layout: kind u8 (6..8), version u8 = 1, reserved u16 = 0, term i64, round i64, samples i64 (Update only, else
/// 0; an Update with 0 samples is a client declining the round, e.g. because its privacy budget is spent), count u32 — big-endian like the transport's headers — then count float32 values, little-endian (copied,
/// not converted, on every machine we run on; the same convention as <see cref="ModelShare"/>).
/// </remarks>
public sealed class FedAvgMessage
{
    public const byte Version = 1;
    public const int HeaderSize = 32;

    public FedAvgMessage(FedAvgMessageKind kind, long term, long round, long samples, ReadOnlyMemory<float> values)
    {
        Kind = kind;
        Term = term;
        Round = round;
        Samples = samples;
        Values = values;
    }

    public FedAvgMessageKind Kind { get; }

    public long Term { get; }

    public long Round { get; }

    /// <summary>The client's sample count n_k (Update); 0 for the coordinator's messages.</summary>
    public long Samples { get; }

    public ReadOnlyMemory<float> Values { get; }

    public int Size => HeaderSize + (Values.Length * sizeof(float));

    public static bool IsFedAvgKind(byte kind) => kind is >= (byte)FedAvgMessageKind.Assignment and <= (byte)FedAvgMessageKind.GlobalModel;

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        bytes[0] = (byte)Kind;
        bytes[1] = Version;
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span[4..], Term);
        BinaryPrimitives.WriteInt64BigEndian(span[12..], Round);
        BinaryPrimitives.WriteInt64BigEndian(span[20..], Samples);
        BinaryPrimitives.WriteUInt32BigEndian(span[28..], (uint)Values.Length);
        ModelValues.Write(Values.Span, span.Slice(HeaderSize));

        return bytes;
    }

    /// <summary>
    /// Reads a message carrying exactly <paramref name="expectedCount"/> values. Anything else (another kind or
    /// version, a wrong length, a negative term or round, samples on a coordinator message or negative ones on an update,
    /// a non-finite value) is refused with the reason, so a bad or hostile peer cannot poison the global model.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, int expectedCount, out FedAvgMessage message, out string reason)
    {
        message = null!;
        if (source.Length < HeaderSize)
        {
            reason = $"truncated: {source.Length} bytes, the header alone is {HeaderSize}";
            return false;
        }

        if (!IsFedAvgKind(source[0]) || source[1] != Version || source[2] != 0 || source[3] != 0)
        {
            reason = $"kind {source[0]} version {source[1]} is not a FedAvg message of version {Version}";
            return false;
        }

        var kind = (FedAvgMessageKind)source[0];
        var term = BinaryPrimitives.ReadInt64BigEndian(source[4..]);
        var round = BinaryPrimitives.ReadInt64BigEndian(source[12..]);
        var samples = BinaryPrimitives.ReadInt64BigEndian(source[20..]);
        var count = BinaryPrimitives.ReadUInt32BigEndian(source[28..]);
        if (term < 0 || round < 0)
        {
            reason = $"term {term} or round {round} is negative";
            return false;
        }

        if (kind == FedAvgMessageKind.Update ? samples < 0 : samples != 0)
        {
            reason = $"{kind} with sample count {samples}";
            return false;
        }

        if (count != expectedCount || source.Length != HeaderSize + ((long)count * sizeof(float)))
        {
            reason = $"{count} values in {source.Length} bytes; this model has {expectedCount} values ({HeaderSize + ((long)expectedCount * sizeof(float))} bytes)";
            return false;
        }

        if (!ModelValues.TryRead(source.Slice(HeaderSize), count, out var values, out reason))
        {
            return false;
        }

        message = new FedAvgMessage(kind, term, round, samples, values);
        reason = string.Empty;
        return true;
    }
}
