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

    /// <summary>Round 3: the client waits for the survivor list / the server collects unmasking shares.</summary>
    Unmasking,

    /// <summary>The client answered the survivor list / the server unmasked the sum.</summary>
    Done,

    /// <summary>The round ended without a sum (too few clients, or a refused step); nothing individual was revealed.</summary>
    Failed,
}
