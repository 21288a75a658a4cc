using GossipFl.Learning.Compression;

namespace GossipFl.Learning.Algorithms;

/// <summary>
/// FedAvg with compressed client updates: a client sends C(x_k − g + e_k), the change its local training made to the
/// global model g it started from plus what earlier compressions left out (error feedback, kept across the rounds
/// it is not sampled in); the coordinator rebuilds x_k = g + decode(·) and averages as usual (<see cref="FedAvgCoordinator"/>).
/// The global model the coordinator sends stays uncompressed: it is one message per client per round, and an exact
/// global model keeps every client's reference equal to the coordinator's.
/// </summary>
public sealed class FedAvgUpdateCompressor
{
    private readonly ICodec _codec;
    private readonly ErrorFeedback _feedback;
    private readonly ulong _seed;
    private readonly float[] _update;
    private readonly byte[] _payload;

    public FedAvgUpdateCompressor(int index, ICodec codec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(codec);
        Index = index;
        _codec = codec;
        _feedback = new ErrorFeedback(codec);
        _seed = seed;
        _update = new float[codec.Length];
        _payload = new byte[codec.EncodedSize];
    }

    public int Index { get; }

    public CodecSpec Codec => _codec.Spec;

    /// <summary>Encodes round <paramref name="round"/>'s update; the bytes stay valid until the next call.</summary>
    public ReadOnlyMemory<byte> Encode(long round, ReadOnlySpan<float> local, ReadOnlySpan<float> global)
    {
        if (local.Length != _update.Length || global.Length != _update.Length)
        {
            throw new ArgumentException($"update of {local.Length} values from a global model of {global.Length}; the codec has {_update.Length}");
        }

        for (var i = 0; i < _update.Length; i++)
        {
            _update[i] = local[i] - global[i];
        }

        var random = CodecRandom.For(_seed, Index, round);
        _feedback.Encode(_update, _payload, ref random);
        return _payload;
    }

    /// <summary>
    /// The coordinator's side: <paramref name="model"/> = <paramref name="global"/> + decode(<paramref name="payload"/>);
    /// false with a reason, and <paramref name="model"/> untouched, when the payload is not valid.
    /// </summary>
    public static bool TryReconstruct(ICodec codec, ReadOnlySpan<byte> payload, ReadOnlySpan<float> global, Span<float> model, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (!codec.TryValidate(payload, out reason))
        {
            return false;
        }

        global.CopyTo(model);
        return codec.TryDecodeAdd(payload, model, 1f, out reason);
    }
}
