namespace GossipFl.Learning.SecureAggregation;

/// <summary>Bounds every reader applies before allocating, so a hostile message cannot make a node allocate much.</summary>
public static class SecureAggregationLimits
{
    /// <summary>Clients of one round; ids are u16 on the wire and must be below this.</summary>
    public const int MaxClients = 1024;
}
