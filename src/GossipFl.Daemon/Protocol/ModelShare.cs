using System.Buffers.Binary;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// A gossip share of one round: what a node sends each follower after local training (push-sum: share·x and
/// share·w; D-PSGD and DOL: x itself). Carried as one transport message, whose authenticated sender names the
/// peer, so no node index or name is on the wire to be spoofed.
/// </summary>
/// <remarks>
/// Layout: kind u8 = 1, version u8 = 1, flags u16, round i64, share f64, weight f64, count u32 — all
/// big-endian like the transport's headers — then count float32 values, little-endian (the in-memory order on
/// every machine we run on, so a model is copied, not converted, value by value). Flags bit 0 is set by a node in
/// asynchronous mode, so a peer in the other mode can say what is wrong instead of silently mis-mixing; the
/// other bits are sent as 0 and ignored.
/// </remarks>
public sealed class ModelShare
{
    public const byte Kind = 1;
    public const byte Version = 1;
    public const int HeaderSize = 32;

    /// <summary>Flags bit 0: the sender runs in asynchronous mode.</summary>
    private const ushort AsynchronousFlag = 1;

    public ModelShare(long round, double share, double weight, ReadOnlyMemory<float> values, bool asynchronous = false)
    {
        Round = round;
        Share = share;
        Weight = weight;
        Values = values;
        Asynchronous = asynchronous;
    }

    public long Round { get; }

    /// <summary>The fraction of the sender's x this message carries (its mixing weight for the receiver).</summary>
    public double Share { get; }

    /// <summary>Push-sum weight carried (share·w); 0 for schemes without weights.</summary>
    public double Weight { get; }

    /// <summary>Whether the sender runs in asynchronous mode (<c>--mode async</c>); every peer of a run must use the same mode.</summary>
    public bool Asynchronous { get; }

    /// <summary>The values; a sender may pass its live snapshot, since <see cref="WriteTo"/> copies them out.</summary>
    public ReadOnlyMemory<float> Values { get; }

    public int Size => HeaderSize + (Values.Length * sizeof(float));

    public static int SizeFor(int valueCount) => HeaderSize + (valueCount * sizeof(float));

    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"needs {Size} bytes, got {destination.Length}", nameof(destination));
        }

        destination[0] = Kind;
        destination[1] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Asynchronous ? AsynchronousFlag : (ushort)0);
        BinaryPrimitives.WriteInt64BigEndian(destination[4..], Round);
        BinaryPrimitives.WriteDoubleBigEndian(destination[12..], Share);
        BinaryPrimitives.WriteDoubleBigEndian(destination[20..], Weight);
        BinaryPrimitives.WriteUInt32BigEndian(destination[28..], (uint)Values.Length);
        ModelValues.Write(Values.Span, destination.Slice(HeaderSize));
    }

    /// <summary>
    /// Reads a share of exactly <paramref name="expectedCount"/> values. Anything else (another kind or version,
    /// a wrong length, a share outside [0, 1], a negative or non-finite weight, a non-finite value) is refused with
    /// the reason, so one bad or hostile peer cannot poison a model.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, int expectedCount, out ModelShare share, out string reason)
    {
        share = null!;
        if (source.Length < HeaderSize)
        {
            reason = $"truncated: {source.Length} bytes, the header alone is {HeaderSize}";
            return false;
        }

        if (source[0] != Kind || source[1] != Version)
        {
            reason = $"kind {source[0]} version {source[1]}, expected kind {Kind} version {Version}";
            return false;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        var round = BinaryPrimitives.ReadInt64BigEndian(source[4..]);
        var fraction = BinaryPrimitives.ReadDoubleBigEndian(source[12..]);
        var weight = BinaryPrimitives.ReadDoubleBigEndian(source[20..]);
        var count = BinaryPrimitives.ReadUInt32BigEndian(source[28..]);
        if (round < 0)
        {
            reason = $"negative round {round}";
            return false;
        }

        if (count != expectedCount || source.Length != HeaderSize + ((long)count * sizeof(float)))
        {
            reason = $"{count} values in {source.Length} bytes; this model has {expectedCount} values ({SizeFor(expectedCount)} bytes)";
            return false;
        }

        if (!(fraction >= 0 && fraction <= 1) || !(weight >= 0) || double.IsInfinity(weight))
        {
            reason = $"share {fraction} or weight {weight} out of range";
            return false;
        }

        if (!ModelValues.TryRead(source.Slice(HeaderSize), count, out var values, out reason))
        {
            return false;
        }

        share = new ModelShare(round, fraction, weight, values, (flags & AsynchronousFlag) != 0);
        reason = string.Empty;
        return true;
    }
}
