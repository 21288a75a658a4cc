namespace GossipFl.Learning.Compression;

/// <summary>
/// Error feedback (Stich, Cordonnier and Jaggi, "Sparsified SGD with Memory", NeurIPS 2018; Karimireddy et al.,
/// "Error Feedback Fixes SignSGD", ICML 2019): the part of a vector a biased codec did not send is remembered and added
/// to the next vector, so over many messages the sum of what was sent tracks the sum of the inputs:
/// p = v + e; send C(p); e ← p − decode(C(p)).
/// </summary>
public sealed class ErrorFeedback
{
    private readonly ICodec _codec;
    private readonly float[] _memory;
    private readonly float[] _corrected;

    public ErrorFeedback(ICodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        _codec = codec;
        _memory = new float[codec.Length];
        _corrected = new float[codec.Length];
    }

    /// <summary>What has not been sent yet (e).</summary>
    public ReadOnlySpan<float> Memory => _memory;

    /// <summary>Encodes <paramref name="values"/> plus the remembered remainder and keeps the new remainder.</summary>
    public void Encode(ReadOnlySpan<float> values, Span<byte> destination, ref CodecRandom random)
    {
        if (values.Length != _memory.Length)
        {
            throw new ArgumentException($"error feedback holds {_memory.Length} values, got {values.Length}", nameof(values));
        }

        for (var i = 0; i < values.Length; i++)
        {
            _corrected[i] = values[i] + _memory[i];
        }

        _codec.Encode(_corrected, destination, ref random);
        _corrected.CopyTo(_memory.AsSpan());
        if (!_codec.TryDecodeAdd(destination, _memory, -1f, out var reason))
        {
            throw new InvalidOperationException($"{_codec.Spec} codec cannot decode its own output: {reason}");
        }
    }

    /// <summary>Forgets the remainder (a fresh start, e.g. after a restart without it).</summary>
    public void Clear() => Array.Clear(_memory);
}
