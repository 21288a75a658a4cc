namespace GossipFl.Learning.Robustness;

/// <summary>
/// Self-centered clipping for gossip (He, Karimireddy and Jaggi, "Byzantine-robust decentralized learning via
/// ClippedGossip", 2022): x_i ← Σ_j W_ij (x_i + clip(x_j − x_i, τ)), clip(v, τ) = v · min(1, τ/‖v‖). A neighbour
/// can pull a node at most W_ij·τ per round, whatever it sends; an honest neighbour within τ is mixed exactly as by
/// plain gossip. The mixing weights are unchanged, so a clipped neighbour's vector is replaced by
/// x_i + clip(x_j − x_i, τ) and folded with its usual weight.
/// </summary>
/// <remarks>
/// τ is either fixed (<c>clipped:TAU</c>) or, with <c>clipped:auto</c>, chosen each round by each node as the lower
/// median of the distances to the neighbours whose vectors arrived (<see cref="AdaptiveRadius"/>). That is our
/// choice, not the paper's adaptive rule: it needs no scale from the operator, follows the models as they
/// converge, and, as long as fewer than half of a node's arrived neighbours are Byzantine, is at most the
/// distance to some honest neighbour, so the Byzantine pull stays within the honest spread. Its price: the
/// farther half of the honest neighbours is clipped too (a slower mixing, counted as clipping).
/// <para>
/// Under <c>clipped:auto</c> a neighbour farther than <see cref="DiscardFactor"/>·τ is discarded: its vector is
/// replaced by x_i (clipping to radius 0), so its weight stays with the node and the mixing matrix is unchanged.
/// Measured on Fashion-MNIST (docs/benchmarks.md), clipping alone let two sign-flipping peers pull their
/// neighbours by W_ij·τ every round, always the same way, and cost 6 points; a vector that far from every honest
/// neighbour carries nothing worth keeping. A fixed τ does not discard: its scale is the operator's, and early in
/// training every neighbour may be beyond a multiple of it.
/// </para>
/// </remarks>
public static class SelfCenteredClipping
{
    /// <summary>Under <c>clipped:auto</c>, neighbours farther than this many τ are discarded rather than clipped.</summary>
    public const double DiscardFactor = 4.0;

    /// <summary>The lower median of <paramref name="distances"/> (the ⌈n/2⌉-th smallest); +∞ when there are none.</summary>
    public static double AdaptiveRadius(ReadOnlySpan<double> distances)
    {
        if (distances.IsEmpty)
        {
            return double.PositiveInfinity;
        }

        var sorted = distances.ToArray();
        Array.Sort(sorted);
        return sorted[(sorted.Length - 1) / 2];
    }

    /// <summary>
    /// What to do with a neighbour at <paramref name="distance"/>: keep (within τ), clip, or (adaptive τ only,
    /// beyond <see cref="DiscardFactor"/>·τ, or not finite) discard.
    /// </summary>
    public static ContributionOutcome Judge(double distance, double radius, bool adaptive)
    {
        if (distance <= radius)
        {
            return ContributionOutcome.Kept;
        }

        return adaptive && !(distance <= DiscardFactor * radius) ? ContributionOutcome.Discarded : ContributionOutcome.Clipped;
    }

    /// <summary>
    /// Writes self + clip(neighbour − self, radius) into <paramref name="destination"/> when ‖neighbour − self‖ =
    /// <paramref name="distance"/> exceeds <paramref name="radius"/> and returns true; otherwise leaves it untouched
    /// and returns false (the caller folds the neighbour's vector unchanged).
    /// </summary>
    public static bool Clip(ReadOnlySpan<float> self, ReadOnlySpan<float> neighbour, double distance, double radius, Span<float> destination)
    {
        if (self.Length != neighbour.Length || destination.Length != self.Length)
        {
            throw new ArgumentException($"lengths differ: self {self.Length}, neighbour {neighbour.Length}, destination {destination.Length}");
        }

        // NaN distances (a vector with NaN or infinite values) are clipped to nothing: only the node's own vector remains.
        if (distance <= radius)
        {
            return false;
        }

        var scale = double.IsFinite(distance) ? radius / distance : 0.0;
        for (var c = 0; c < self.Length; c++)
        {
            var difference = (double)neighbour[c] - self[c];
            destination[c] = (float)(self[c] + (double.IsFinite(difference) ? scale * difference : 0.0));
        }

        return true;
    }
}
