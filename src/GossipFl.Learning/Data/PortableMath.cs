namespace GossipFl.Learning.Data;

/// <summary>
/// Exp and Log built only from IEEE-754 basic operations (+, -, *, /), which every conforming platform
/// rounds identically, plus exact power-of-two scaling. <see cref="Math.Exp"/> and <see cref="Math.Log"/>
/// call the platform's C library, whose last-bit results differ between glibc, musl and the Windows CRT;
/// data that peers on different machines generate from a shared seed must not depend on that.
/// Accuracy is within a few ulp of the true value, which is all the generators need: what matters is that
/// the result is the same everywhere.
/// </summary>
internal static class PortableMath
{
    // ln 2 split so that k * Ln2Hi is exact for |k| < 2^11 (Cody and Waite's argument reduction; the split is
    // the one published in fdlibm's e_exp.c). Internal: PortableMathLanes must use exactly these.
    internal const double Ln2Hi = 6.93147180369123816490e-01;
    internal const double Ln2Lo = 1.90821492927058770002e-10;
    internal const double InvLn2 = 1.44269504088896338700e+00;
    internal const double Sqrt2 = 1.41421356237309504880;

    // Beyond these, exp overflows to infinity or underflows to zero in double precision.
    private const double ExpOverflow = 709.782712893383973096;
    private const double ExpUnderflow = -745.13321910194110842;

    public static double Exp(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        if (x > ExpOverflow)
        {
            return double.PositiveInfinity;
        }

        if (x < ExpUnderflow)
        {
            return 0.0;
        }

        // x = k ln2 + r with |r| <= ln2 / 2, so exp(x) = 2^k exp(r).
        var k = Math.Round(x * InvLn2, MidpointRounding.ToEven);
        var r = (x - (k * Ln2Hi)) - (k * Ln2Lo);

        // Taylor series of exp(r) to degree 14: the first omitted term is below 2^-60 for |r| <= 0.35.
        var p = 1.0 / 87178291200.0;
        p = (p * r) + (1.0 / 6227020800.0);
        p = (p * r) + (1.0 / 479001600.0);
        p = (p * r) + (1.0 / 39916800.0);
        p = (p * r) + (1.0 / 3628800.0);
        p = (p * r) + (1.0 / 362880.0);
        p = (p * r) + (1.0 / 40320.0);
        p = (p * r) + (1.0 / 5040.0);
        p = (p * r) + (1.0 / 720.0);
        p = (p * r) + (1.0 / 120.0);
        p = (p * r) + (1.0 / 24.0);
        p = (p * r) + (1.0 / 6.0);
        p = (p * r) + 0.5;
        p = (p * r) + 1.0;
        p = (p * r) + 1.0;

        // Scaling by a power of two is exact (or IEEE-rounded in the subnormal range) on every platform.
        return Math.ScaleB(p, (int)k);
    }

    public static double Log(double x)
    {
        if (double.IsNaN(x) || x < 0.0)
        {
            return double.NaN;
        }

        if (x == 0.0)
        {
            return double.NegativeInfinity;
        }

        if (double.IsPositiveInfinity(x))
        {
            return x;
        }

        // x = m 2^e with m in [sqrt(2)/2, sqrt(2)); ILogB and ScaleB are exact.
        var e = Math.ILogB(x);
        var m = Math.ScaleB(x, -e);
        if (m > Sqrt2)
        {
            m *= 0.5;
            e++;
        }

        // log m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...) with s = (m - 1) / (m + 1), |s| <= 0.1716;
        // s^2 <= 0.0295, so twelve terms leave an error below 2^-60.
        var s = (m - 1.0) / (m + 1.0);
        var s2 = s * s;
        var q = 1.0 / 23.0;
        q = (q * s2) + (1.0 / 21.0);
        q = (q * s2) + (1.0 / 19.0);
        q = (q * s2) + (1.0 / 17.0);
        q = (q * s2) + (1.0 / 15.0);
        q = (q * s2) + (1.0 / 13.0);
        q = (q * s2) + (1.0 / 11.0);
        q = (q * s2) + (1.0 / 9.0);
        q = (q * s2) + (1.0 / 7.0);
        q = (q * s2) + (1.0 / 5.0);
        q = (q * s2) + (1.0 / 3.0);
        q = (q * s2) + 1.0;
        var logM = 2.0 * s * q;
        return (e * Ln2Hi) + ((e * Ln2Lo) + logM);
    }

    // pi/2 split for Cody-Waite reduction (fdlibm's pio2_1 and pio2_1t): k * PiOver2Hi is exact for small k.
    private const double PiOver2Hi = 1.57079632673412561417e+00;
    private const double PiOver2Lo = 6.07710050650619224932e-11;
    private const double TwoOverPi = 6.36619772367581382433e-01;

    /// <summary>Largest |x| accepted by <see cref="SinCos"/>; the one-step reduction is accurate well past it.</summary>
    public const double MaxTrigArgument = 64.0;

    /// <summary>Sine and cosine of <paramref name="x"/>, for |x| up to <see cref="MaxTrigArgument"/>.</summary>
    public static (double Sin, double Cos) SinCos(double x)
    {
        if (!(Math.Abs(x) <= MaxTrigArgument))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, $"SinCos handles |x| <= {MaxTrigArgument}.");
        }

        // x = k pi/2 + r with |r| <= pi/4, then pick the quadrant.
        var k = Math.Round(x * TwoOverPi, MidpointRounding.ToEven);
        var r = (x - (k * PiOver2Hi)) - (k * PiOver2Lo);
        var r2 = r * r;

        // Taylor series to degree 17 (sine) and 16 (cosine): the first omitted term is below 2^-56 at |r| = pi/4.
        var s = 1.0 / 355687428096000.0;
        s = (s * r2) - (1.0 / 1307674368000.0);
        s = (s * r2) + (1.0 / 6227020800.0);
        s = (s * r2) - (1.0 / 39916800.0);
        s = (s * r2) + (1.0 / 362880.0);
        s = (s * r2) - (1.0 / 5040.0);
        s = (s * r2) + (1.0 / 120.0);
        s = (s * r2) - (1.0 / 6.0);
        var sin = r + (r * r2 * s);
        var c = -1.0 / 20922789888000.0;
        c = (c * r2) + (1.0 / 87178291200.0);
        c = (c * r2) - (1.0 / 479001600.0);
        c = (c * r2) + (1.0 / 3628800.0);
        c = (c * r2) - (1.0 / 40320.0);
        c = (c * r2) + (1.0 / 720.0);
        c = (c * r2) - (1.0 / 24.0);
        c = (c * r2) + 0.5;
        var cos = 1.0 - (r2 * c);
        return ((long)k & 3) switch
        {
            0 => (sin, cos),
            1 => (cos, -sin),
            2 => (-sin, -cos),
            _ => (-cos, sin),
        };
    }

    /// <summary>Hyperbolic tangent from <see cref="Exp"/>: a few ulp from the truth except near zero, where it loses relative precision, which the generators do not need.</summary>
    public static double Tanh(double x)
    {
        if (Math.Abs(x) > 20.0)
        {
            return x > 0 ? 1.0 : -1.0;
        }

        var e = Exp(2.0 * x);
        return (e - 1.0) / (e + 1.0);
    }
}
