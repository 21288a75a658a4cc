namespace GossipFl.Learning.Privacy;

/// <summary>
/// Rényi differential privacy accounting (Mironov 2017, "Rényi Differential Privacy") for the Gaussian mechanism and
/// the sampled Gaussian mechanism (Mironov, Talwar and Zhang 2019, "Rényi Differential Privacy of the Sampled
/// Gaussian Mechanism"), on a fixed grid of orders α. Mechanisms compose by adding their RDP curves order by order,
/// so one accountant can hold rounds of peer-level DP and steps of sample-level DP-SGD alike; <see cref="GetEpsilon"/>
/// converts the sum to (ε, δ).
/// </summary>
/// <remarks>
/// A sampled Gaussian mechanism of sampling rate q and noise multiplier σ (noise standard deviation σ times the L2
/// sensitivity) has RDP(α) = log(A_α)/(α − 1), where A_α = E_{z∼μ0}[((1 − q) + q·μ1(z)/μ0(z))^α], μ0 = N(0, σ²),
/// μ1 = N(1, σ²) (Mironov et al. 2019, §3.3). For integer α it is the binomial sum
/// A_α = Σ_{k=0..α} C(α, k)(1 − q)^{α−k} q^k exp((k² − k)/(2σ²)); for fractional α, the two convergent series of the
/// same section (split at z0 = σ² log(1/q − 1) + 1/2). Without sampling (q = 1) RDP(α) = α/(2σ²) (Mironov 2017,
/// Proposition 7). Everything is summed in log space.
/// </remarks>
public sealed class RdpAccountant
{
    private readonly double[] _orders;
    private readonly double[] _rdp;

    /// <summary>
    /// The default orders: 1.1 to 10.9 in steps of 0.1, the integers 12 to 63 (the grid of TensorFlow Privacy's and
    /// Opacus's RDP accountants), and 64, 80, 96, 128, 256, 512 for strong guarantees over few compositions.
    /// </summary>
    public static IReadOnlyList<double> DefaultOrders { get; } = BuildDefaultOrders();

    public RdpAccountant(IReadOnlyList<double>? orders = null)
    {
        _orders = (orders ?? DefaultOrders).ToArray();
        if (_orders.Length == 0 || _orders.Any(a => !(a > 1) || double.IsInfinity(a)))
        {
            throw new ArgumentException("Rényi orders must be finite and greater than 1", nameof(orders));
        }

        _rdp = new double[_orders.Length];
    }

    public IReadOnlyList<double> Orders => _orders;

    /// <summary>The composed RDP at each of <see cref="Orders"/>.</summary>
    public ReadOnlySpan<double> Rdp => _rdp;

    /// <summary>
    /// Adds <paramref name="steps"/> compositions of the sampled Gaussian mechanism with sampling rate
    /// <paramref name="samplingRate"/> (in [0, 1]; 1 is the plain Gaussian mechanism) and noise multiplier
    /// <paramref name="noiseMultiplier"/> (σ ≥ 0; 0 gives ε = ∞ unless q = 0). Returns this accountant.
    /// </summary>
    public RdpAccountant Compose(double samplingRate, double noiseMultiplier, long steps = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var curve = SampledGaussian(samplingRate, noiseMultiplier, _orders);
        return Compose(curve, steps);
    }

    /// <summary>Adds <paramref name="steps"/> compositions of any mechanism with the given RDP curve (one value per order).</summary>
    public RdpAccountant Compose(ReadOnlySpan<double> rdpPerStep, long steps = 1)
    {
        if (rdpPerStep.Length != _orders.Length)
        {
            throw new ArgumentException($"the curve has {rdpPerStep.Length} values for {_orders.Length} orders", nameof(rdpPerStep));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (steps == 0)
        {
            return this;
        }

        for (var k = 0; k < _rdp.Length; k++)
        {
            _rdp[k] += rdpPerStep[k] * steps;
        }

        return this;
    }

    /// <summary>Adds another accountant's composed curve (same orders).</summary>
    public RdpAccountant Compose(RdpAccountant other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!other._orders.AsSpan().SequenceEqual(_orders))
        {
            throw new ArgumentException("the accountants use different orders", nameof(other));
        }

        return Compose(other._rdp);
    }

    /// <summary>The (ε, δ) guarantee of everything composed so far.</summary>
    public PrivacyLoss GetEpsilon(double delta, RdpConversion conversion = RdpConversion.Tight) =>
        ToEpsilon(_orders, _rdp, delta, conversion);

    /// <summary>ε after <paramref name="steps"/> compositions of one sampled Gaussian mechanism, at <paramref name="delta"/>.</summary>
    public static PrivacyLoss Epsilon(
        double samplingRate, double noiseMultiplier, long steps, double delta,
        RdpConversion conversion = RdpConversion.Tight, IReadOnlyList<double>? orders = null) =>
        new RdpAccountant(orders).Compose(samplingRate, noiseMultiplier, steps).GetEpsilon(delta, conversion);

    /// <summary>
    /// The smallest noise multiplier σ (to a relative 1e-4, rounded up) for which <paramref name="steps"/> compositions of
    /// the sampled Gaussian mechanism stay within <paramref name="targetEpsilon"/> at <paramref name="delta"/>.
    /// </summary>
    public static double CalibrateNoise(
        double targetEpsilon, double samplingRate, long steps, double delta,
        RdpConversion conversion = RdpConversion.Tight, IReadOnlyList<double>? orders = null)
    {
        if (!(targetEpsilon > 0) || double.IsInfinity(targetEpsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "the target ε must be finite and positive");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var grid = (orders ?? DefaultOrders).ToArray();
        double EpsilonAt(double sigma) => ToEpsilon(grid, Scale(SampledGaussian(samplingRate, sigma, grid), steps), delta, conversion).Epsilon;

        var high = 1.0;
        while (EpsilonAt(high) > targetEpsilon)
        {
            high *= 2;
            if (high > 1e6)
            {
                throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "no noise multiplier up to 1e6 reaches this ε");
            }
        }

        var low = high / 2;
        while (low > 1e-6 && EpsilonAt(low) <= targetEpsilon)
        {
            high = low;
            low /= 2;
        }

        while ((high - low) > 1e-4 * high)
        {
            var middle = 0.5 * (low + high);
            if (EpsilonAt(middle) <= targetEpsilon)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        return high;
    }

    /// <summary>Converts an RDP curve to (ε, δ) by <paramref name="conversion"/>, minimised over the orders.</summary>
    public static PrivacyLoss ToEpsilon(IReadOnlyList<double> orders, ReadOnlySpan<double> rdp, double delta, RdpConversion conversion = RdpConversion.Tight)
    {
        ArgumentNullException.ThrowIfNull(orders);
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1)");
        }

        if (rdp.Length != orders.Count)
        {
            throw new ArgumentException($"the curve has {rdp.Length} values for {orders.Count} orders", nameof(rdp));
        }

        var best = double.PositiveInfinity;
        var bestOrder = double.NaN;
        var logDelta = Math.Log(delta);
        for (var k = 0; k < rdp.Length; k++)
        {
            var alpha = orders[k];
            var epsilon = conversion == RdpConversion.Classic
                ? rdp[k] - (logDelta / (alpha - 1))
                : rdp[k] + Math.Log((alpha - 1) / alpha) - ((logDelta + Math.Log(alpha)) / (alpha - 1));
            if (epsilon < best)
            {
                best = epsilon;
                bestOrder = alpha;
            }
        }

        return new PrivacyLoss(Math.Max(0, best), delta, bestOrder);
    }

    /// <summary>The RDP of one sampled Gaussian mechanism at each of <paramref name="orders"/>.</summary>
    public static double[] SampledGaussian(double samplingRate, double noiseMultiplier, IReadOnlyList<double> orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        var curve = new double[orders.Count];
        for (var k = 0; k < curve.Length; k++)
        {
            curve[k] = SampledGaussian(samplingRate, noiseMultiplier, orders[k]);
        }

        return curve;
    }

    /// <summary>The RDP at order <paramref name="order"/> (&gt; 1) of one sampled Gaussian mechanism.</summary>
    public static double SampledGaussian(double samplingRate, double noiseMultiplier, double order)
    {
        if (!(samplingRate >= 0 && samplingRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "the sampling rate must be in [0, 1]");
        }

        if (!(noiseMultiplier >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "the noise multiplier must be >= 0");
        }

        if (!(order > 1) || double.IsInfinity(order))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "a Rényi order must be finite and greater than 1");
        }

        if (samplingRate == 0 || double.IsPositiveInfinity(noiseMultiplier))
        {
            return 0;
        }

        if (noiseMultiplier == 0)
        {
            return double.PositiveInfinity;
        }

        if (samplingRate == 1)
        {
            return order / (2 * noiseMultiplier * noiseMultiplier);
        }

        var logA = order == Math.Floor(order)
            ? LogAIntegerOrder(samplingRate, noiseMultiplier, (int)Math.Min(order, int.MaxValue))
            : LogAFractionalOrder(samplingRate, noiseMultiplier, order);
        return Math.Max(0, logA / (order - 1));
    }

    /// <summary>log A_α for integer α: the binomial expansion (Mironov et al. 2019, §3.3), summed in log space.</summary>
    private static double LogAIntegerOrder(double q, double sigma, int alpha)
    {
        var logQ = Math.Log(q);
        var log1MinusQ = double.LogP1(-q);
        var twoSigmaSquared = 2 * sigma * sigma;
        var terms = new double[alpha + 1];
        var logBinomial = 0.0;
        for (var k = 0; k <= alpha; k++)
        {
            if (k > 0)
            {
                logBinomial += Math.Log(alpha - k + 1) - Math.Log(k);
            }

            terms[k] = logBinomial + (k * logQ) + ((alpha - k) * log1MinusQ) + (((double)k * k - k) / twoSigmaSquared);
        }

        return LogSumExp(terms, signs: null);
    }

    /// <summary>
    /// log A_α for fractional α (Mironov et al. 2019, §3.3): A_α = Σ_i C(α, i)·[q^i(1 − q)^{α−i} e^{(i² − i)/(2σ²)}·½erfc((i − z0)/(√2σ))
    /// + q^{α−i}(1 − q)^i e^{((α−i)² − (α−i))/(2σ²)}·½erfc((z0 − (α − i))/(√2σ))], with z0 = σ² log(1/q − 1) + 1/2. The
    /// generalised binomial coefficients alternate in sign beyond i = α; the series is summed until its terms fall
    /// below e^-40 of the largest so far.
    /// </summary>
    private static double LogAFractionalOrder(double q, double sigma, double alpha)
    {
        var logQ = Math.Log(q);
        var log1MinusQ = double.LogP1(-q);
        var twoSigmaSquared = 2 * sigma * sigma;
        var z0 = (sigma * sigma * Math.Log((1 / q) - 1)) + 0.5;
        var scale = Math.Sqrt(2) * sigma;
        var logHalf = Math.Log(0.5);
        var terms = new List<double>();
        var signs = new List<int>();
        var logBinomial = 0.0;
        var sign = 1;
        var largest = double.NegativeInfinity;
        for (var i = 0; i < 100_000; i++)
        {
            if (i > 0)
            {
                var factor = (alpha - i + 1) / i;
                if (factor == 0)
                {
                    break;
                }

                if (factor < 0)
                {
                    sign = -sign;
                }

                logBinomial += Math.Log(Math.Abs(factor));
            }

            var j = alpha - i;
            var first = logBinomial + (i * logQ) + (j * log1MinusQ) + (((double)i * i - i) / twoSigmaSquared) + logHalf + LogErfc((i - z0) / scale);
            var second = logBinomial + (j * logQ) + (i * log1MinusQ) + (((j * j) - j) / twoSigmaSquared) + logHalf + LogErfc((z0 - j) / scale);
            terms.Add(first);
            signs.Add(sign);
            terms.Add(second);
            signs.Add(sign);
            largest = Math.Max(largest, Math.Max(first, second));
            if (i > alpha && first < largest - 40 && second < largest - 40)
            {
                break;
            }
        }

        return LogSumExp(terms.ToArray(), signs.ToArray());
    }

    /// <summary>log Σ sign_k·e^{terms_k}, scaled by the largest term (the sum must be positive).</summary>
    private static double LogSumExp(double[] terms, int[]? signs)
    {
        var max = double.NegativeInfinity;
        foreach (var t in terms)
        {
            max = Math.Max(max, t);
        }

        if (double.IsNegativeInfinity(max))
        {
            return double.NegativeInfinity;
        }

        if (double.IsPositiveInfinity(max))
        {
            return double.PositiveInfinity;
        }

        var sum = 0.0;
        for (var k = 0; k < terms.Length; k++)
        {
            sum += (signs is null ? 1 : signs[k]) * Math.Exp(terms[k] - max);
        }

        return max + Math.Log(sum);
    }

    /// <summary>log erfc(x), accurate where erfc underflows (its asymptotic series for x ≥ 25).</summary>
    internal static double LogErfc(double x)
    {
        if (x < 25)
        {
            return Math.Log(MathNet.Numerics.SpecialFunctions.Erfc(x));
        }

        var inverseSquare = 1 / (x * x);
        var series = 1 - (0.5 * inverseSquare) + (0.75 * inverseSquare * inverseSquare) - (1.875 * inverseSquare * inverseSquare * inverseSquare);
        return (-x * x) - Math.Log(x) - (0.5 * Math.Log(Math.PI)) + Math.Log(series);
    }

    private static double[] Scale(double[] curve, long steps)
    {
        for (var k = 0; k < curve.Length; k++)
        {
            curve[k] *= steps;
        }

        return curve;
    }

    private static double[] BuildDefaultOrders()
    {
        var orders = new List<double>();
        for (var x = 1; x < 100; x++)
        {
            orders.Add(1 + (x / 10.0));
        }

        for (var a = 12; a < 64; a++)
        {
            orders.Add(a);
        }

        orders.AddRange([64, 80, 96, 128, 256, 512]);
        return orders.ToArray();
    }
}
