using System.Globalization;

namespace GossipFl.Learning.Models;

/// <summary>
/// Which model to build. Written on command lines and in topology files as
/// <c>logreg</c>, <c>mlp</c>, <c>mlp:512,256</c>, <c>lenet</c>, or a path to a TorchScript file (<c>*.pt</c>).
/// </summary>
public sealed record ModelSpec
{
    /// <summary>
    /// The default MLP is the "2NN" of McMahan et al. 2017 (Communication-Efficient Learning of Deep Networks
    /// from Decentralized Data): two hidden layers of 200 units, a common federated-learning baseline.
    /// </summary>
    public static readonly IReadOnlyList<int> DefaultMlpHidden = [200, 200];

    private ModelSpec(ModelKind kind, IReadOnlyList<int> hidden, string? path)
    {
        Kind = kind;
        Hidden = hidden;
        TorchScriptPath = path;
    }

    public ModelKind Kind { get; }

    /// <summary>Hidden layer widths, for <see cref="ModelKind.Mlp"/>.</summary>
    public IReadOnlyList<int> Hidden { get; }

    public string? TorchScriptPath { get; }

    public static ModelSpec LogReg { get; } = new(ModelKind.LogReg, [], null);

    public static ModelSpec LeNet5 { get; } = new(ModelKind.LeNet5, [], null);

    public static ModelSpec Mlp(params int[] hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        if (hidden.Any(width => width <= 0))
        {
            throw new ArgumentException($"MLP hidden sizes must be positive, got {string.Join(",", hidden)}.", nameof(hidden));
        }

        return new ModelSpec(ModelKind.Mlp, hidden.Length == 0 ? DefaultMlpHidden : hidden, null);
    }

    public static ModelSpec TorchScript(string path) => new(ModelKind.TorchScript, [], path);

    /// <summary>Parses the command-line form; throws <see cref="FormatException"/> naming the valid forms.</summary>
    public static ModelSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || trimmed.Contains('/', StringComparison.Ordinal))
        {
            return TorchScript(trimmed);
        }

        var (name, arguments) = trimmed.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0
            ? (trimmed[..colon], trimmed[(colon + 1)..])
            : (trimmed, null);
        switch (name.ToLowerInvariant())
        {
            case "logreg":
                RejectArguments(name, arguments);
                return LogReg;
            case "lenet":
            case "lenet5":
                RejectArguments(name, arguments);
                return LeNet5;
            case "mlp":
                return arguments is null ? Mlp() : Mlp(ParseWidths(arguments));
            default:
                throw new FormatException(
                    $"unknown model '{text}': use logreg, mlp, mlp:W1,W2,... (hidden widths), lenet, or a TorchScript file ending in .pt");
        }
    }

    public override string ToString() => Kind switch
    {
        ModelKind.LogReg => "logreg",
        ModelKind.Mlp => "mlp:" + string.Join(",", Hidden),
        ModelKind.LeNet5 => "lenet",
        _ => TorchScriptPath ?? "torchscript",
    };

    private static void RejectArguments(string name, string? arguments)
    {
        if (arguments is not null)
        {
            throw new FormatException($"model '{name}' takes no arguments, got '{arguments}'");
        }
    }

    private static int[] ParseWidths(string text) => text.Split(',').Select(part =>
        int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var width) && width > 0
            ? width
            : throw new FormatException($"MLP hidden widths must be positive integers separated by commas, got '{text}'")).ToArray();
}
