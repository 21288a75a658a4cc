using System.Globalization;

namespace GossipFl.Learning.Privacy;

/// <summary>
/// Sample-level DP-SGD (Abadi et al., "Deep Learning with Differential Privacy", CCS 2016) in the local optimizer:
/// each sample's gradient is clipped to L2 norm <see cref="ClipNorm"/>, and Gaussian noise of standard deviation
/// <see cref="NoiseMultiplier"/> · <see cref="ClipNorm"/> is added to the batch's sum of clipped gradients before
/// it is divided by the batch size and handed to the optimizer.
/// </summary>
public sealed record SampleDpSettings(double ClipNorm, double NoiseMultiplier)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"DP-SGD clip {ClipNorm}, noise multiplier {NoiseMultiplier}");
}
