using System.Diagnostics.CodeAnalysis;

namespace GossipFl.Learning.Compression;

/// <summary>The length checks every codec makes: the caller's buffers (a bug: throw) and a peer's bytes (refuse).</summary>
internal static class CodecChecks
{
    public static void Sizes(ICodec codec, int values, int destination)
    {
        if (values != codec.Length)
        {
            Throw($"{codec.Spec} codec is for {codec.Length} values, got {values}");
        }

        if (destination != codec.EncodedSize)
        {
            Throw($"{codec.Spec} codec writes {codec.EncodedSize} bytes, the buffer has {destination}");
        }
    }

    public static void Destination(ICodec codec, int destination)
    {
        if (destination != codec.Length)
        {
            Throw($"{codec.Spec} codec decodes {codec.Length} values, the destination has {destination}");
        }
    }

    public static bool TrySize(ICodec codec, int source, out string? reason)
    {
        reason = source == codec.EncodedSize
            ? null
            : $"{codec.Spec} payload of {source} bytes, expected {codec.EncodedSize} for {codec.Length} values";
        return reason is null;
    }

    [DoesNotReturn]
    private static void Throw(string message) => throw new ArgumentException(message);
}
