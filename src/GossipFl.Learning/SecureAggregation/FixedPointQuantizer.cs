namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// Maps a client's weighted model change n_k·(x_k − global) to the ring Z_2^64 and the ring sum back to the
/// weighted mean change, so that the masks of secure aggregation (which are uniform in the ring) cancel exactly.
/// </summary>
/// <remarks>
/// Encoding: each coordinate δ of the change is clipped to ±<see cref="ClipBound"/> (2^8), rounded to the nearest
/// multiple of 2^-<see cref="FractionBits"/> (2^-24) as an integer q with |q| ≤ 2^32, then multiplied by the sample
/// count n_k in integer arithmetic; the last element of the vector is n_k itself. Two's complement in 64 bits.
/// <para>Headroom: |Σ_k n_k·q_k| ≤ N·2^32 with N = Σ_k n_k, so the sum cannot wrap while N &lt; 2^31
/// (<see cref="MaxTotalSamples"/>); a client refuses a count that alone would break it.</para>
/// <para>Error: rounding moves each q by at most 1/2, so each n_k·q_k by at most n_k/2 and the sum by at most N/2 units
/// of 2^-24; after dividing by N, every coordinate of the mean change is within 2^-25 (≈ 3·10^-8) of the exact
/// weighted mean of the clipped changes, before the final conversion to float32 (which adds at most half an ulp of
/// the result). Clipping never happens for changes below 256 in magnitude; the encoder counts the ones it clips.</para>
/// </remarks>
public static class FixedPointQuantizer
{
    public const int FractionBits = 24;
    public const double ClipBound = 256.0;
    public const long MaxTotalSamples = (1L << 31) - 1;
    private const double Scale = 1 << FractionBits;

    /// <summary>The error bound of one coordinate of the decoded mean change (see the remarks).</summary>
    public static double MeanErrorBound => 0.5 / Scale;

    /// <summary>
    /// Writes n·(local − global) quantized into <paramref name="destination"/>[0..d) and n into its last element.
    /// Returns how many coordinates were clipped.
    /// </summary>
    public static int Encode(ReadOnlySpan<float> local, ReadOnlySpan<float> global, long samples, Span<ulong> destination)
    {
        if (local.Length != global.Length || destination.Length != local.Length + 1)
        {
            throw new ArgumentException($"local {local.Length}, global {global.Length} and destination {destination.Length} values do not fit (destination = d + 1)");
        }

        // 0 is a client that declines the round (its privacy budget is spent, docs/privacy.md): it contributes
        // zeros but still masks them, so the coordinator cannot tell who declined.
        if (samples < 0 || samples > MaxTotalSamples)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), samples, $"a sample count must be in [0, {MaxTotalSamples}]");
        }

        var clipped = 0;
        for (var i = 0; i < local.Length; i++)
        {
            var change = (double)local[i] - global[i];
            if (!double.IsFinite(change))
            {
                throw new ArgumentException($"value {i} is not finite", nameof(local));
            }

            if (Math.Abs(change) > ClipBound)
            {
                change = Math.CopySign(ClipBound, change);
                clipped++;
            }

            var q = (long)Math.Round(change * Scale, MidpointRounding.ToEven);
            destination[i] = unchecked((ulong)(q * samples));
        }

        destination[local.Length] = (ulong)samples;
        return clipped;
    }

    /// <summary>
    /// Decodes an unmasked ring sum: the total sample count N from the last element and global + (Σ n_k·q_k)/(N·2^24)
    /// into <paramref name="model"/> (the global model unchanged when N is 0). False, with the reason, when the count is out of range.
    /// </summary>
    public static bool TryDecodeMean(ReadOnlySpan<ulong> sum, ReadOnlySpan<float> global, Span<float> model, out long totalSamples, out string reason)
    {
        totalSamples = 0;
        if (sum.Length != global.Length + 1 || model.Length != global.Length)
        {
            reason = $"sum of {sum.Length} values for a model of {global.Length}";
            return false;
        }

        var total = sum[^1];
        if (total > MaxTotalSamples)
        {
            reason = $"total sample count {total} is outside [0, {MaxTotalSamples}]";
            return false;
        }

        if (total == 0)
        {
            // Every surviving client declined (plain FedAvg does the same with weights that sum to 0): the global model
            // stays. Declined clients add zeros, so a change without a sample count is not a sum of valid inputs.
            if (sum[..^1].ContainsAnyExcept(0UL))
            {
                reason = "total sample count 0, but the sum of the changes is not 0";
                return false;
            }

            global.CopyTo(model);
            reason = string.Empty;
            return true;
        }

        totalSamples = (long)total;
        var denominator = totalSamples * Scale;
        for (var i = 0; i < global.Length; i++)
        {
            var change = unchecked((long)sum[i]) / denominator;
            model[i] = (float)(global[i] + change);
        }

        reason = string.Empty;
        return true;
    }
}
