namespace GossipFl.Learning.SecureAggregation;

/// <summary>Where a client or the server of one round stands; each round of the protocol moves it on once.</summary>
public enum SecureAggregationPhase
{
    /// <summary>Round 0: the client has not advertised yet / the server collects keys.</summary>
    AdvertisingKeys,

    /// <summary>Round 1: the client waits for the key directory / the server collects encrypted shares.</summary>
    SharingKeys,

    /// <summary>Round 2: the client waits for the relayed shares / the server collects masked inputs.</summary>
    CollectingInputs,

    /// <summary>
    /// Round 4 here, the ConsistencyCheck (Bonawitz et al. number it 3 and unmasking 4): the client waits for the survivor list, signs it, then waits for the
    /// others' signatures / the server collects the signatures over U3.
    /// </summary>
    CheckingConsistency,

    /// <summary>Unmasking: the client checked t signatures over U3 / the server collects unmasking shares.</summary>
    Unmasking,

    /// <summary>The client answered the survivor list / the server unmasked the sum.</summary>
    Done,

    /// <summary>The round ended without a sum (too few clients, or a refused step); nothing individual was revealed.</summary>
    Failed,
}
