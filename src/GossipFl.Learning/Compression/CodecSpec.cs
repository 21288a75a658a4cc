using System.Globalization;

namespace GossipFl.Learning.Compression;

/// <summary>
/// A codec as the user names it: <c>none</c>, <c>fp16</c>, <c>int8</c>, <c>sign</c> or <c>topk:FRACTION</c> (FRACTION in (0, 1], the
/// share of values kept). <see cref="ToString"/> gives the canonical text, which is what the task signature hashes.
/// </summary>
public sealed record CodecSpec
{
    public static readonly CodecSpec None = new(CodecKind.None, 1.0);
    public static readonly CodecSpec Float16 = new(CodecKind.Float16, 1.0);
    public static readonly CodecSpec EightBit = new(CodecKind.EightBit, 1.0);
    public static readonly CodecSpec Sign = new(CodecKind.Sign, 1.0);

    private CodecSpec(CodecKind kind, double fraction)
    {
        Kind = kind;
        Fraction = fraction;
    }

    public CodecKind Kind { get; }

    /// <summary>Top-k: the share of values sent; 1 for the dense codecs.</summary>
    public double Fraction { get; }

    public bool IsNone => Kind == CodecKind.None;

    /// <summary>The words <see cref="Parse"/> accepts, for error messages and help texts.</summary>
    public const string Syntax = "none, fp16, int8, sign or topk:FRACTION (FRACTION in (0, 1], e.g. topk:0.01)";

    public static CodecSpec TopK(double fraction)
    {
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "top-k keeps a fraction in (0, 1] of the values");
        }

        return new CodecSpec(CodecKind.TopK, fraction);
    }

    /// <summary>Parses a codec name; throws <see cref="FormatException"/> naming the bad value.</summary>
    public static CodecSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim().ToLowerInvariant();
        switch (trimmed)
        {
            case "none":
                return None;
            case "fp16" or "float16":
                return Float16;
            case "int8":
                return EightBit;
            case "sign":
                return Sign;
        }

        if (trimmed.StartsWith("topk:", StringComparison.Ordinal))
        {
            var number = trimmed["topk:".Length..];
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction) || !(fraction > 0 && fraction <= 1))
            {
                throw new FormatException($"top-k fraction must be a number in (0, 1], got '{number}' in '{text}'");
            }

            return TopK(fraction);
        }

        throw new FormatException($"unknown codec '{text}'; expected {Syntax}");
    }

    /// <summary>The codec for vectors of <paramref name="length"/> values (top-k's k depends on it).</summary>
    public ICodec Create(int length) => Kind switch
    {
        CodecKind.None => new IdentityCodec(length),
        CodecKind.Float16 => new Float16Codec(length),
        CodecKind.EightBit => new Int8Codec(length),
        CodecKind.TopK => new TopKCodec(length, Fraction),
        CodecKind.Sign => new SignCodec(length),
        _ => throw new InvalidOperationException($"codec kind {Kind} has no implementation"),
    };

    /// <summary>
    /// The consensus step γ used when none is given: 1 for the dense codecs (their error shrinks with the change sent,
    /// and with exact values γ = 1 is plain gossip) and for sign (measured best on Fashion-MNIST; smaller γ lost 1–3
    /// points, docs/algorithms.md), 2·F for top-k (at most 1). CHOCO-SGD's analysis asks for γ of the
    /// order of the compression quality δ = F; on pure averaging (tests/…/CompressedGossipTests) top-k with γ above
    /// about 4·F diverged on a ring and on directed graphs, and 2·F converged.
    /// </summary>
    public double DefaultConsensusStep => Kind == CodecKind.TopK ? Math.Min(1.0, 2 * Fraction) : 1.0;

    /// <summary>A kind's name as users write it (top-k without its fraction).</summary>
    public static string NameOf(CodecKind kind) => kind switch
    {
        CodecKind.None => "none",
        CodecKind.Float16 => "fp16",
        CodecKind.EightBit => "int8",
        CodecKind.TopK => "topk",
        CodecKind.Sign => "sign",
        _ => $"codec {(byte)kind}",
    };

    public override string ToString() => Kind switch
    {
        CodecKind.None => "none",
        CodecKind.Float16 => "fp16",
        CodecKind.EightBit => "int8",
        CodecKind.Sign => "sign",
        _ => string.Create(CultureInfo.InvariantCulture, $"topk:{Fraction:R}"),
    };
}
