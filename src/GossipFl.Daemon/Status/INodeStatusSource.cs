namespace GossipFl.Daemon.Status;

/// <summary>Whatever runs the node: the status endpoint asks it for snapshots and never touches its state.</summary>
internal interface INodeStatusSource
{
    NodeStatus Snapshot();

    /// <summary>
    /// The node's de-biased model z = x / w (what it would predict with), for consensus distance across peers,
    /// with the round it belongs to; null before the first round.
    /// </summary>
    (long Round, float[] Parameters)? Model();

    /// <summary>
    /// <paramref name="parameters"/> of <paramref name="round"/> as a safetensors file (names and shapes of the
    /// model's PyTorch state_dict, docs/models.md), or null when this source cannot name its parameters.
    /// </summary>
    byte[]? ModelAsSafeTensors(long round, float[] parameters) => null;
}
