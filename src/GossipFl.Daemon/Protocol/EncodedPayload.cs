using GossipFl.Learning.Compression;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// The codec's payload after a compressed message's header (<see cref="CompressedModelShare"/>,
/// <see cref="CompressedFedAvgUpdate"/>): the codec the header names must be this node's, the length must be the
/// codec's for the model, and the payload must be one the codec accepts (<see cref="ICodec.TryValidate"/>), so
/// nothing is decoded from a message that could poison a model.
/// </summary>
internal static class EncodedPayload
{
    public static bool TryRead(ReadOnlyMemory<byte> message, int headerSize, CodecKind kind, uint length, ICodec codec, out ReadOnlyMemory<byte> payload, out string reason)
    {
        payload = default;
        if (kind != codec.Spec.Kind)
        {
            reason = $"encoded with {CodecSpec.NameOf(kind)}, this node decodes {codec.Spec}";
            return false;
        }

        if (length != codec.EncodedSize || message.Length != headerSize + (long)length)
        {
            reason = $"payload of {length} bytes in {message.Length}; {codec.Spec} for {codec.Length} values takes {codec.EncodedSize}";
            return false;
        }

        payload = message[headerSize..];
        if (!codec.TryValidate(payload.Span, out var invalid))
        {
            reason = invalid ?? "invalid payload";
            return false;
        }

        reason = string.Empty;
        return true;
    }
}
