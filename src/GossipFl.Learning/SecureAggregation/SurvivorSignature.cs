namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// Round 4 here, the ConsistencyCheck of Bonawitz et al. §4 (their round 3): a client's answer to the survivor list: its identity signature
/// over the list it was told (<see cref="IdentitySignatures.SurvivorsStatement"/>). Layout: signature[64].
/// </summary>
public sealed record SurvivorSignature(byte[] Signature)
{
    public const int Size = IdentitySignatures.SignatureSize;

    public byte[] ToArray() => (byte[])Signature.Clone();

    public static bool TryRead(ReadOnlySpan<byte> source, out SurvivorSignature signature, out string reason)
    {
        signature = null!;
        if (source.Length != Size)
        {
            reason = $"a survivor signature is {Size} bytes, not {source.Length}";
            return false;
        }

        signature = new SurvivorSignature(source.ToArray());
        reason = string.Empty;
        return true;
    }
}
