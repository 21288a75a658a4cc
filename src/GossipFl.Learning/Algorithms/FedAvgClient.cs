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

    /// <summary>The round whose averaging produced the newest global model this client holds; -1 for the initial model.</summary>
    public long LastGlobalRound { get; private set; } = -1;

    /// <summary>
    /// Takes the coordinator's newly averaged global model of <paramref name="round"/> (published to every peer, sampled or
    /// not); an older one than it holds is ignored. Returns whether it was taken.
    /// </summary>
    public bool Adopt(long round, ReadOnlySpan<float> global)
    {
        if (global.Length != _lastGlobal.Length)
        {
            throw new ArgumentException($"global model has {global.Length} values, this client {_lastGlobal.Length}", nameof(global));
        }

        if (round <= LastGlobalRound)
        {
            return false;
        }

        global.CopyTo(_lastGlobal);
        global.CopyTo(_local);
        LastGlobalRound = round;
        return true;
    }

    /// <summary>
    /// Trains on the broadcast's global model; returns the reply and the training loss. A learner that declines to
    /// train (a <see cref="Privacy.PrivateLearner"/> whose budget is spent) replies with weight 0, which the coordinator
    /// refuses, so the round averages without it and nobody waits for it.
    /// </summary>
    public GossipMessage TrainAndReply(in GossipMessage broadcast, ILocalLearner learner, out double loss)
    {
        ArgumentNullException.ThrowIfNull(learner);
        if (broadcast.To != Index)
        {
            throw new ArgumentException($"broadcast for node {broadcast.To} delivered to node {Index}", nameof(broadcast));
        }

        // Round r's broadcast carries the global model averaged in round r - 1.
        broadcast.Values.Span.CopyTo(_lastGlobal);
        _lastGlobal.CopyTo(_local);
        LastGlobalRound = Math.Max(LastGlobalRound, broadcast.Round - 1);
        loss = learner.Train(broadcast.Round, _local, _local);
        var weight = learner is Privacy.PrivateLearner { Exhausted: true } ? 0.0 : learner.SampleCount;
        return new GossipMessage(Index, broadcast.From, broadcast.Round, weight, 0.0, _local);
    }
}
