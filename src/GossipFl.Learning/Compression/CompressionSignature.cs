using System.Globalization;
using GossipFl.Learning.Algorithms;

namespace GossipFl.Learning.Compression;

/// <summary>
/// What the task signature says about compression: peers that encode differently, or mix with another consensus step,
/// must not exchange parameters (a receiver cannot decode another codec, and CHOCO's estimates assume one γ), so both
/// are hashed; the existing "runs another task" refusal then names the difference.
/// </summary>
public static class CompressionSignature
{
    /// <summary>The text hashed for <paramref name="codec"/> under <paramref name="algorithm"/>; null when nothing is compressed.</summary>
    public static string? Of(CodecSpec codec, AlgorithmKind algorithm, double consensusStep)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (codec.IsNone)
        {
            return null;
        }

        return algorithm == AlgorithmKind.FedAvg
            ? codec.ToString()
            : string.Create(CultureInfo.InvariantCulture, $"{codec};consensus_step={consensusStep:R}");
    }
}
