namespace GossipFl.Learning.Privacy;

/// <summary>How a Rényi DP curve becomes an (ε, δ) guarantee; each is a minimum over the curve's orders α.</summary>
public enum RdpConversion
{
    /// <summary>
    /// ε = RDP(α) + log((α − 1)/α) − (log δ + log α)/(α − 1): Balle et al. 2020, "Hypothesis Testing Interpretations
    /// and Rényi Differential Privacy", Theorem 21; Canonne, Kamath and Steinke 2020, Proposition 12. Never larger
    /// than <see cref="Classic"/>; the default.
    /// </summary>
    Tight,

    /// <summary>ε = RDP(α) + log(1/δ)/(α − 1): Mironov 2017, "Rényi Differential Privacy", Proposition 3.</summary>
    Classic,
}
