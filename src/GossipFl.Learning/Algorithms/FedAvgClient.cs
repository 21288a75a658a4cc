namespace GossipFl.Learning.Algorithms;

/// <summary>
/// The client role of FedAvg: on the coordinator's broadcast it starts from the global model, trains its
/// local epochs and replies with its model and its sample count (the averaging weight).
/// </summary>
public sealed class FedAvgClient
{
    private readonly float[] _local;
    private readonly float[] _lastGlobal;

    public FedAvgClient(int index, ReadOnlySpan<float> initialGlobal)
    {
        Index = index;
        _local = initialGlobal.ToArray();
        _lastGlobal = initialGlobal.ToArray();
    }

    public int Index { get; }

    /// <summary>The model after the client's last local training (or the last global model it received).</summary>
    public ReadOnlySpan<float> Local => _local;

    /// <summary>The newest global model received (the initial model before any): where a successor coordinator resumes.</summary>
    public ReadOnlySpan<float> LastGlobal => _lastGlobal;

    /// <summary>The round of the newest global model this client has received; -1 before any.</summary>
    public long LastGlobalRound { get; private set; } = -1;

    /// <summary>Trains on the broadcast's global model; returns the reply and the training loss.</summary>
    public GossipMessage TrainAndReply(in GossipMessage broadcast, ILocalLearner learner, out double loss)
    {
        ArgumentNullException.ThrowIfNull(learner);
        if (broadcast.To != Index)
        {
            throw new ArgumentException($"broadcast for node {broadcast.To} delivered to node {Index}", nameof(broadcast));
        }

        broadcast.Values.Span.CopyTo(_lastGlobal);
        _lastGlobal.CopyTo(_local);
        LastGlobalRound = broadcast.Round;
        loss = learner.Train(broadcast.Round, _local, _local);
        return new GossipMessage(Index, broadcast.From, broadcast.Round, learner.SampleCount, 0.0, _local);
    }
}
