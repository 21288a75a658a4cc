using System.Globalization;

namespace GossipFl.Topology.Generation;

/// <summary>One parameter a generator accepts, with its default and the smallest value allowed for integers.</summary>
public sealed record GeneratorParameter(string Name, ParameterKind Kind, double DefaultValue, string Description, int Minimum = 0)
{
    /// <summary>Parses a textual value; returns an error message, or null and the value.</summary>
    public string? TryParse(string text, out double value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = 0;
        switch (Kind)
        {
            case ParameterKind.Boolean:
                if (bool.TryParse(text, out var flag))
                {
                    value = flag ? 1 : 0;
                    return null;
                }

                return $"parameter '{Name}' must be true or false, not '{text}'";
            case ParameterKind.WholeNumber:
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
                {
                    return $"parameter '{Name}' must be a whole number, not '{text}'";
                }

                if (whole < Minimum)
                {
                    return whole < 0
                        ? $"parameter '{Name}' must not be negative (got {whole})"
                        : $"parameter '{Name}' must be at least {Minimum} (got {whole})";
                }

                if (whole > int.MaxValue)
                {
                    return $"parameter '{Name}' is too large (got {whole})";
                }

                value = whole;
                return null;
            case ParameterKind.Probability:
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) || !double.IsFinite(real))
                {
                    return $"parameter '{Name}' must be a number in [0, 1], not '{text}'";
                }

                if (real is < 0 or > 1)
                {
                    return $"parameter '{Name}' is a probability and must lie in [0, 1] (got {real.ToString(CultureInfo.InvariantCulture)})";
                }

                value = real;
                return null;
            default:
                throw new InvalidOperationException($"unknown parameter kind {Kind}");
        }
    }

    /// <summary>The value as written in a topology file.</summary>
    public string Format(double value) => Kind switch
    {
        ParameterKind.Boolean => value != 0 ? "true" : "false",
        ParameterKind.WholeNumber => ((long)value).ToString(CultureInfo.InvariantCulture),
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
