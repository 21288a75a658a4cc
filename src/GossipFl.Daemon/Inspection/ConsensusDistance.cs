namespace GossipFl.Daemon.Inspection;

/// <summary>
/// How far peers' models are from agreeing: for models z_1..z_n of equal length, the mean z̄ and each peer's
/// squared distance ‖z_i − z̄‖²; their mean is the consensus distance the simulator reports too.
/// </summary>
internal static class ConsensusDistance
{
    /// <summary>Per-model squared distance to the mean model, in input order; empty when fewer than one model.</summary>
    public static double[] PerPeer(IReadOnlyList<float[]> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            return [];
        }

        var mean = Mean(models);
        var length = mean.Length;
        return models.Select(model =>
        {
            double sum = 0;
            for (var j = 0; j < length; j++)
            {
                var d = model[j] - mean[j];
                sum += d * d;
            }

            return sum;
        }).ToArray();
    }

    /// <summary>The element-wise mean of models of equal length, in double (summing many float vectors in float loses the small differences being measured).</summary>
    public static double[] Mean(IReadOnlyList<float[]> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var length = models.Count == 0 ? 0 : models[0].Length;
        if (models.Any(m => m.Length != length))
        {
            throw new ArgumentException(
                $"peers run models of different sizes ({string.Join(", ", models.Select(m => m.Length).Distinct())} parameters): they are not training the same model");
        }

        var mean = new double[length];
        foreach (var model in models)
        {
            for (var j = 0; j < length; j++)
            {
                mean[j] += model[j];
            }
        }

        for (var j = 0; j < length; j++)
        {
            mean[j] /= models.Count;
        }

        return mean;
    }
}
