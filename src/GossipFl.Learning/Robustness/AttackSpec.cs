using System.Globalization;
using GossipFl.Learning.Data;

namespace GossipFl.Learning.Robustness;

/// <summary>
/// A parsed <c>--attack KIND:FRACTION</c> (<c>sign-flip</c>, <c>gaussian</c>, <c>label-flip</c>, <c>alie</c>): the
/// attack and the fraction of peers that run it. The attackers are drawn from the seed (<see cref="ChooseAttackers"/>).
/// </summary>
public sealed record AttackSpec(AttackKind Kind, double Fraction)
{
    /// <summary>Salt for the attacker draw, so it shares no stream with data, partition or network.</summary>
    private const ulong AttackerSalt = 0x42797A616E74696EUL;

    public static IReadOnlyList<string> Accepted { get; } = ["sign-flip", "gaussian", "label-flip", "alie"];

    /// <summary>Parses <c>KIND:FRACTION</c>, the simulator's attack on a fraction of its peers.</summary>
    /// <exception cref="FormatException">Unknown kind, no fraction, or a fraction outside (0, 1), naming the bad value.</exception>
    public static AttackSpec Parse(string? text)
    {
        var (kind, name, argument) = Split(text, "KIND:FRACTION");
        if (argument is null)
        {
            throw new FormatException($"attack '{text}': give the fraction of attacking peers, e.g. {name}:0.125");
        }

        if (!double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction) || !(fraction > 0 && fraction < 1))
        {
            throw new FormatException($"attack '{text}': the fraction of attacking peers must be in (0, 1), got '{argument}'");
        }

        return new AttackSpec(kind, fraction);
    }

    /// <summary>
    /// Parses a bare <c>KIND</c>, a daemon's attack: a daemon is one peer, which attacks or does not, so a fraction
    /// would mean nothing and is refused rather than ignored.
    /// </summary>
    /// <exception cref="FormatException">Unknown kind, or a fraction given, naming the bad value.</exception>
    public static AttackKind ParseOnePeer(string? text)
    {
        var (kind, name, argument) = Split(text, "KIND");
        return argument is null
            ? kind
            : throw new FormatException(
                $"attack '{text}': a daemon is one peer, which attacks or not, so it takes no fraction; give the kind alone ({name}), or make a fraction of the peers attack with gossipfl simulate --attack {name}:FRACTION");
    }

    private static (AttackKind Kind, string Name, string? Argument) Split(string? text, string form)
    {
        var trimmed = text?.Trim().ToLowerInvariant() ?? "";
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? trimmed : trimmed[..colon];
        var kind = ParseKind(name) ?? throw new FormatException($"unknown attack '{text}'; use one of: {string.Join(", ", Accepted)}, as {form}");
        return (kind, name, colon < 0 ? null : trimmed[(colon + 1)..]);
    }

    public static string NameOf(AttackKind kind) => kind switch
    {
        AttackKind.SignFlip => "sign-flip",
        AttackKind.Gaussian => "gaussian",
        AttackKind.LabelFlip => "label-flip",
        AttackKind.Alie => "alie",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown attack"),
    };

    /// <summary>
    /// The attacking peers among <paramref name="nodes"/>: round(F·n) of them (at least one, never all), drawn
    /// without replacement by a seeded shuffle and returned ascending.
    /// </summary>
    public int[] ChooseAttackers(int nodes, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 2);
        var count = Math.Clamp((int)Math.Round(Fraction * nodes, MidpointRounding.AwayFromZero), 1, nodes - 1);
        var pool = Enumerable.Range(0, nodes).ToArray();
        new Xoshiro256StarStar(seed ^ AttackerSalt).Shuffle(pool.AsSpan());
        var chosen = pool[..count];
        Array.Sort(chosen);
        return chosen;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{NameOf(Kind)}:{Fraction:R}");

    private static AttackKind? ParseKind(string name) => name switch
    {
        "sign-flip" or "signflip" => AttackKind.SignFlip,
        "gaussian" or "noise" => AttackKind.Gaussian,
        "label-flip" or "labelflip" => AttackKind.LabelFlip,
        "alie" => AttackKind.Alie,
        _ => null,
    };
}
