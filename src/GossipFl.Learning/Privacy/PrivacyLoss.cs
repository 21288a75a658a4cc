using System.Globalization;

namespace GossipFl.Learning.Privacy;

/// <summary>An (ε, δ) guarantee and the Rényi order α the conversion chose (NaN when no order gives a finite ε).</summary>
public readonly record struct PrivacyLoss(double Epsilon, double Delta, double Order)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"ε = {Epsilon:0.###} at δ = {Delta:G3} (α = {Order:0.#})");
}
