namespace GossipFl.Learning.Compression;

/// <summary>
/// Encodes a vector of a fixed length into bytes and back. The encoded size is known before encoding and the same
/// for every input, so buffers are sized once and the bytes a run sends do not depend on the values. Encoding is
/// deterministic given the <see cref="CodecRandom"/> passed in. Decoding never trusts its input: wrong lengths,
/// indices out of range or out of order and non-finite numbers are refused with a reason, before anything is written.
/// </summary>
public interface ICodec
{
    CodecSpec Spec { get; }

    /// <summary>Values per vector.</summary>
    int Length { get; }

    /// <summary>Bytes of every encoded vector.</summary>
    int EncodedSize { get; }

    /// <summary>Encodes <paramref name="values"/> (finite, <see cref="Length"/> of them) into exactly <see cref="EncodedSize"/> bytes.</summary>
    void Encode(ReadOnlySpan<float> values, Span<byte> destination, ref CodecRandom random);

    /// <summary>Whether <paramref name="source"/> is a valid encoding, with the reason when it is not; writes nothing.</summary>
    bool TryValidate(ReadOnlySpan<byte> source, out string? reason);

    /// <summary>
    /// destination += scale · decode(<paramref name="source"/>). Returns false with a reason, leaving
    /// <paramref name="destination"/> untouched, when the bytes are not a valid encoding.
    /// </summary>
    bool TryDecodeAdd(ReadOnlySpan<byte> source, Span<float> destination, float scale, out string? reason);
}
