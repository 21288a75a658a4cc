using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GossipFl.Learning.Data;

namespace GossipFl.Learning.Learners;

/// <summary>
/// <see cref="PortableMath.Exp"/> and <see cref="PortableMath.Log"/> on four doubles at once, operation for
/// operation the same IEEE-754 arithmetic as the scalar versions (same constants, same order, no fused
/// multiply-add), so each lane's result is bit-identical to the scalar call. Only the input ranges where the
/// scalar code takes its plain path are covered; callers check <see cref="ExpDomain"/> and
/// <see cref="LogDomain"/> and fall back to <see cref="PortableMath"/> for anything else (NaN, infinities,
/// results that would be subnormal), which keeps the special cases in one place.
/// </summary>
internal static class PortableMathLanes
{
    // PortableMath's own constants (fdlibm's split of ln 2, Cody and Waite's reduction), so the two cannot drift.
    private const double Ln2Hi = PortableMath.Ln2Hi;
    private const double Ln2Lo = PortableMath.Ln2Lo;
    private const double InvLn2 = PortableMath.InvLn2;
    private const double Sqrt2 = PortableMath.Sqrt2;

    /// <summary>
    /// Adding 1.5·2^52 to a double holding an integer of magnitude below 2^51 puts that integer, two's complement,
    /// in the low bits of the sum: an exact integer conversion without a (slow, pre-AVX-512) vector double→long.
    /// </summary>
    private const double IntegerMagic = 6755399441055744.0;
    private const long IntegerMagicBits = 0x4338000000000000L;

    private const long MantissaMask = 0x000FFFFFFFFFFFFFL;
    private const double SmallestNormal = 2.2250738585072014e-308;
    private const long ExponentOne = 0x3FF0000000000000L;

    /// <summary>
    /// Lower bound of the arguments <see cref="Exp"/> handles: exp(x) = 2^k·p with k ≥ −1010, a normal double,
    /// where <see cref="Math.ScaleB"/> is a single exact multiplication by 2^k. Above 0 the callers need nothing.
    /// </summary>
    public const double ExpDomainLow = -700.0;

    /// <summary>Whether every lane is in [<see cref="ExpDomainLow"/>, 0] (false for NaN).</summary>
    public static bool ExpDomain(Vector256<double> x) =>
        Vector256.GreaterThanOrEqualAll(x, Vector256.Create(ExpDomainLow)) && Vector256.LessThanOrEqualAll(x, Vector256<double>.Zero);

    /// <summary>Whether every lane is a positive normal finite double (where ILogB and ScaleB are plain bit operations).</summary>
    public static bool LogDomain(Vector256<double> x) =>
        Vector256.GreaterThanOrEqualAll(x, Vector256.Create(SmallestNormal))
        && Vector256.LessThanOrEqualAll(x, Vector256.Create(double.MaxValue));

    /// <summary>PortableMath.Exp per lane, for lanes in <see cref="ExpDomain"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x)
    {
        var k = Vector256.Round(x * Vector256.Create(InvLn2));
        var r = (x - (k * Vector256.Create(Ln2Hi))) - (k * Vector256.Create(Ln2Lo));

        var p = Vector256.Create(1.0 / 87178291200.0);
        p = (p * r) + Vector256.Create(1.0 / 6227020800.0);
        p = (p * r) + Vector256.Create(1.0 / 479001600.0);
        p = (p * r) + Vector256.Create(1.0 / 39916800.0);
        p = (p * r) + Vector256.Create(1.0 / 3628800.0);
        p = (p * r) + Vector256.Create(1.0 / 362880.0);
        p = (p * r) + Vector256.Create(1.0 / 40320.0);
        p = (p * r) + Vector256.Create(1.0 / 5040.0);
        p = (p * r) + Vector256.Create(1.0 / 720.0);
        p = (p * r) + Vector256.Create(1.0 / 120.0);
        p = (p * r) + Vector256.Create(1.0 / 24.0);
        p = (p * r) + Vector256.Create(1.0 / 6.0);
        p = (p * r) + Vector256.Create(0.5);
        p = (p * r) + Vector256.Create(1.0);
        p = (p * r) + Vector256.Create(1.0);

        // 2^k built from its bits; with k in [-1010, 0] ScaleB multiplies by exactly this power of two.
        var kBits = (k + Vector256.Create(IntegerMagic)).AsInt64() - Vector256.Create(IntegerMagicBits);
        var twoToK = ((kBits + Vector256.Create(1023L)) << 52).AsDouble();
        return p * twoToK;
    }

    /// <summary>PortableMath.Log per lane, for lanes in <see cref="LogDomain"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log(Vector256<double> x)
    {
        // x = m·2^e with m in [1, 2) read off the bits (ILogB and ScaleB of a normal double), then moved to
        // [sqrt(2)/2, sqrt(2)) as the scalar code does.
        var bits = x.AsInt64();
        var biased = (bits >>> 52) & Vector256.Create(0x7FFL);
        var m = ((bits & Vector256.Create(MantissaMask)) | Vector256.Create(ExponentOne)).AsDouble();
        var e = ((biased + Vector256.Create(IntegerMagicBits)).AsDouble() - Vector256.Create(IntegerMagic)) - Vector256.Create(1023.0);
        var high = Vector256.GreaterThan(m, Vector256.Create(Sqrt2));
        m = Vector256.ConditionalSelect(high, m * Vector256.Create(0.5), m);
        e = Vector256.ConditionalSelect(high, e + Vector256.Create(1.0), e);

        var s = (m - Vector256.Create(1.0)) / (m + Vector256.Create(1.0));
        var s2 = s * s;
        var q = Vector256.Create(1.0 / 23.0);
        q = (q * s2) + Vector256.Create(1.0 / 21.0);
        q = (q * s2) + Vector256.Create(1.0 / 19.0);
        q = (q * s2) + Vector256.Create(1.0 / 17.0);
        q = (q * s2) + Vector256.Create(1.0 / 15.0);
        q = (q * s2) + Vector256.Create(1.0 / 13.0);
        q = (q * s2) + Vector256.Create(1.0 / 11.0);
        q = (q * s2) + Vector256.Create(1.0 / 9.0);
        q = (q * s2) + Vector256.Create(1.0 / 7.0);
        q = (q * s2) + Vector256.Create(1.0 / 5.0);
        q = (q * s2) + Vector256.Create(1.0 / 3.0);
        q = (q * s2) + Vector256.Create(1.0);
        var logM = Vector256.Create(2.0) * s * q;
        return (e * Vector256.Create(Ln2Hi)) + ((e * Vector256.Create(Ln2Lo)) + logM);
    }
}
