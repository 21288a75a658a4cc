using System.Buffers.Binary;
using GossipFl.Learning.Compression;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// A compressed gossip share (docs/algorithms.md, "Compressed gossip"): the encoded change q = C(x − x̂) of the
/// sender's public estimate and, for push-sum, its weight share as an exact double. Kind 1 like <see cref="ModelShare"/>,
/// version 2, so a version-1 reader refuses it by its version and names it.
/// </summary>
/// <remarks>
/// Layout: kind u8 = 1, version u8 = 2, flags u16 = 0, round i64, share f64, weight f64, codec u8 (<see cref="CodecKind"/>),
/// reserved u8 × 3 = 0, payload length u32 — big-endian like <see cref="ModelShare"/> — then the codec's payload.
/// </remarks>
public sealed class CompressedModelShare
{
    public const byte Kind = ModelShare.Kind;
    public const byte Version = 2;
    public const int HeaderSize = 36;

    public CompressedModelShare(long round, double share, double weight, CodecKind codec, ReadOnlyMemory<byte> payload)
    {
        Round = round;
        Share = share;
        Weight = weight;
        Codec = codec;
        Payload = payload;
    }

    public long Round { get; }

    public double Share { get; }

    public double Weight { get; }

    public CodecKind Codec { get; }

    /// <summary>The encoded change; a reader's payload refers to the received bytes.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    public int Size => HeaderSize + Payload.Length;

    /// <summary>Whether <paramref name="source"/> starts like a compressed share (kind 1, version 2).</summary>
    public static bool IsCompressed(ReadOnlySpan<byte> source) => source.Length >= 2 && source[0] == Kind && source[1] == Version;

    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"needs {Size} bytes, got {destination.Length}", nameof(destination));
        }

        destination[0] = Kind;
        destination[1] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteInt64BigEndian(destination[4..], Round);
        BinaryPrimitives.WriteDoubleBigEndian(destination[12..], Share);
        BinaryPrimitives.WriteDoubleBigEndian(destination[20..], Weight);
        destination[28] = (byte)Codec;
        destination.Slice(29, 3).Clear();
        BinaryPrimitives.WriteUInt32BigEndian(destination[32..], (uint)Payload.Length);
        Payload.Span.CopyTo(destination[HeaderSize..]);
    }

    /// <summary>
    /// Reads a share encoded with <paramref name="codec"/>. Refused with a reason: another kind or version, another
    /// codec (named), a length that is not the codec's, a share outside [0, 1], a negative or non-finite weight, a
    /// negative round, or a payload the codec does not accept (<see cref="ICodec.TryValidate"/>).
    /// </summary>
    public static bool TryRead(ReadOnlyMemory<byte> source, ICodec codec, out CompressedModelShare share, out string reason)
    {
        ArgumentNullException.ThrowIfNull(codec);
        share = null!;
        var span = source.Span;
        if (span.Length < HeaderSize)
        {
            reason = $"truncated: {span.Length} bytes, the header alone is {HeaderSize}";
            return false;
        }

        if (span[0] != Kind || span[1] != Version)
        {
            reason = $"kind {span[0]} version {span[1]}, expected kind {Kind} version {Version} (a compressed share)";
            return false;
        }

        var round = BinaryPrimitives.ReadInt64BigEndian(span[4..]);
        var fraction = BinaryPrimitives.ReadDoubleBigEndian(span[12..]);
        var weight = BinaryPrimitives.ReadDoubleBigEndian(span[20..]);
        var kind = (CodecKind)span[28];
        var length = BinaryPrimitives.ReadUInt32BigEndian(span[32..]);
        if (round < 0 || !(fraction >= 0 && fraction <= 1) || !(weight >= 0) || double.IsInfinity(weight))
        {
            reason = $"round {round}, share {fraction} or weight {weight} out of range";
            return false;
        }

        if (!EncodedPayload.TryRead(source, HeaderSize, kind, length, codec, out var payload, out reason))
        {
            return false;
        }

        share = new CompressedModelShare(round, fraction, weight, kind, payload);
        reason = string.Empty;
        return true;
    }
}
