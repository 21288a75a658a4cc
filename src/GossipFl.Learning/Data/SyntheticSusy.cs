namespace GossipFl.Learning.Data;

/// <summary>
/// A seeded stand-in for the SUSY benchmark (Baldi, Sadowski and Whiteson, "Searching for exotic particles in
/// high-energy physics with deep learning", 2014; UCI "SUSY"): binary classification of collision events, signal
/// (a supersymmetric process, label 1) against background (label 0), from 18 features: 8 "low-level" kinematic
/// quantities of two leptons and the missing transverse energy, and 10 "high-level" quantities derived from them
/// non-linearly. It is not physics; it mimics the shape and the difficulty: logistic regression reaches a
/// log-loss of 0.47-0.48 and an accuracy of 78-79 % on held-out data, and a small MLP (one hidden layer of
/// 64 ReLU units) up to two points more (measured on 20,000 + 20,000 events, seeds 1, 7 and 42).
/// <para>Generative process for one event (all draws from one <see cref="Xoshiro256StarStar"/> stream, in this
/// order; energies in units of 100 GeV; Gamma(k, θ) has shape k and scale θ; N(μ, σ) is normal; U(a, b) uniform):</para>
/// <list type="number">
/// <item>label y = 1 (signal) with probability <see cref="SignalFraction"/> = 0.46, else 0.</item>
/// <item>two lepton transverse momenta pT = 0.2 + Gamma(2, θ_pT), θ_pT = 0.36 (signal) or 0.30 (background);
/// the larger is lepton 1.</item>
/// <item>pseudorapidities η_i = 2.5 tanh(z_i / 2.5), z_i ~ N(0, σ_η), σ_η = 0.9 (signal) or 1.25 (background).</item>
/// <item>azimuths: φ_1 ~ U(-π, π); φ_2 = φ_1 + π + N(0, 0.7) for background (leptons from a recoiling pair are
/// near back to back), φ_2 = φ_1 + U(-π, π) for signal; both wrapped to (-π, π].</item>
/// <item>missing energy MET = Gamma(2, θ_MET), θ_MET = 0.34 (signal) or 0.22 (background); its azimuth
/// φ_MET = φ_1 + π + N(0, 1.0) for background, U(-π, π) for signal.</item>
/// <item>with p_i = pT_i (cos φ_i, sin φ_i), m = MET (cos φ_MET, sin φ_MET), E_i = pT_i cosh η_i,
/// p_z,i = pT_i sinh η_i, the high-level features are: MET_rel = MET sin Δ if the angle Δ between m and the
/// nearer lepton is below π/2, else MET; axial MET = -m·(p_1 + p_2)/|p_1 + p_2|;
/// M_R = sqrt((E_1 + E_2)² - (p_z,1 + p_z,2)²); M_TR = sqrt(max(0, MET (pT_1 + pT_2) - m·(p_1 + p_2)) / 2);
/// R = M_TR / M_R; MT2 = min_i sqrt(2 pT_i MET (1 - cos Δφ(p_i, m))); S_R = pT_1 + pT_2 + MET;
/// M_Delta_R = sqrt(max(0, S_R² - |p_1 + p_2 + m|²)); dPhi_r_b = (1 - cos Δφ(p_1 + p_2, m)) / 2;
/// cos_theta_r1 = tanh((η_1 - η_2) / 2).</item>
/// <item>label noise: with probability <see cref="LabelNoise"/> = 0.09 the label is replaced by a fresh draw of
/// step 1, which caps what any model can reach, as detector effects do for real SUSY.</item>
/// </list>
/// <para>Finally every feature is standardised with the training part's mean and population standard deviation
/// (accumulated in double, in sample order), and the test part with the same constants. Training events are drawn
/// first, then test events, from the same stream. The only floating-point operations are IEEE basic operations and
/// <see cref="PortableMath"/>, so a seed gives the same bytes on every machine.</para>
/// </summary>
public static class SyntheticSusy
{
    public const int FeatureCount = 18;

    public const int LowLevelFeatureCount = 8;

    public const double SignalFraction = 0.46;

    public const double LabelNoise = 0.09;

    /// <summary>Feature names in column order, after the UCI SUSY description.</summary>
    public static IReadOnlyList<string> FeatureNames { get; } =
    [
        "lepton1_pt", "lepton1_eta", "lepton1_phi", "lepton2_pt", "lepton2_eta", "lepton2_phi",
        "met", "met_phi",
        "met_rel", "axial_met", "m_r", "m_tr_2", "r", "mt2", "s_r", "m_delta_r", "dphi_r_b", "cos_theta_r1",
    ];

    /// <summary>Class names by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["background", "signal"];

    public static DatasetSplit Generate(int trainCount, int testCount, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trainCount);
        ArgumentOutOfRangeException.ThrowIfNegative(testCount);
        if ((long)(trainCount + (long)testCount) * FeatureCount > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(trainCount), $"{trainCount} + {testCount} events do not fit in memory as one array each.");
        }

        var random = new Xoshiro256StarStar(seed);
        var trainFeatures = new double[(long)trainCount * FeatureCount];
        var trainLabels = new long[trainCount];
        var testFeatures = new double[(long)testCount * FeatureCount];
        var testLabels = new long[testCount];
        for (var i = 0; i < trainCount; i++)
        {
            trainLabels[i] = DrawEvent(random, trainFeatures.AsSpan(i * FeatureCount, FeatureCount));
        }

        for (var i = 0; i < testCount; i++)
        {
            testLabels[i] = DrawEvent(random, testFeatures.AsSpan(i * FeatureCount, FeatureCount));
        }

        var (mean, std) = ColumnStatistics(trainFeatures, trainCount);
        return new DatasetSplit(
            new Dataset("synthetic-susy-train", Standardise(trainFeatures, mean, std), trainLabels, [FeatureCount], 2),
            new Dataset("synthetic-susy-test", Standardise(testFeatures, mean, std), testLabels, [FeatureCount], 2));
    }

    private static long DrawEvent(Xoshiro256StarStar random, Span<double> x)
    {
        var signal = random.NextDouble() < SignalFraction;

        var ptScale = signal ? 0.36 : 0.30;
        var ptA = 0.2 + (ptScale * random.NextGamma(2.0));
        var ptB = 0.2 + (ptScale * random.NextGamma(2.0));
        var pt1 = Math.Max(ptA, ptB);
        var pt2 = Math.Min(ptA, ptB);

        var etaSigma = signal ? 0.9 : 1.25;
        var eta1 = 2.5 * PortableMath.Tanh(random.NextGaussian() * etaSigma / 2.5);
        var eta2 = 2.5 * PortableMath.Tanh(random.NextGaussian() * etaSigma / 2.5);

        var phi1 = Angle(random);
        var phi2 = WrapAngle(phi1 + (signal ? Angle(random) : Math.PI + (0.7 * random.NextGaussian())));

        var met = (signal ? 0.34 : 0.22) * random.NextGamma(2.0);
        var phiMet = signal ? Angle(random) : WrapAngle(phi1 + Math.PI + random.NextGaussian());

        // Transverse vectors; every angle below comes from dot and cross products of these.
        var (s1, c1) = PortableMath.SinCos(phi1);
        var (s2, c2) = PortableMath.SinCos(phi2);
        var (sm, cm) = PortableMath.SinCos(phiMet);
        double p1x = pt1 * c1, p1y = pt1 * s1, p2x = pt2 * c2, p2y = pt2 * s2, mx = met * cm, my = met * sm;
        double llx = p1x + p2x, lly = p1y + p2y;
        var ll = Math.Sqrt((llx * llx) + (lly * lly));

        // MET_rel: the missing energy projected away from the nearer lepton when that lepton is within 90 degrees.
        var cos1 = (c1 * cm) + (s1 * sm);
        var cos2 = (c2 * cm) + (s2 * sm);
        var nearerCos = Math.Max(cos1, cos2);
        var metRel = nearerCos > 0 ? met * Math.Sqrt(Math.Max(0.0, 1.0 - (nearerCos * nearerCos))) : met;

        var axialMet = ll > 0 ? -((mx * llx) + (my * lly)) / ll : 0.0;

        var e1 = PortableMath.Exp(eta1);
        var e2 = PortableMath.Exp(eta2);
        double energy1 = pt1 * 0.5 * (e1 + (1 / e1)), pz1 = pt1 * 0.5 * (e1 - (1 / e1));
        double energy2 = pt2 * 0.5 * (e2 + (1 / e2)), pz2 = pt2 * 0.5 * (e2 - (1 / e2));
        var energySum = energy1 + energy2;
        var pzSum = pz1 + pz2;
        var mR = Math.Sqrt(Math.Max(1e-12, (energySum * energySum) - (pzSum * pzSum)));

        var mTr = Math.Sqrt(Math.Max(0.0, (met * (pt1 + pt2)) - ((mx * llx) + (my * lly))) / 2.0);
        var r = mTr / mR;
        var mt1 = Math.Sqrt(2.0 * pt1 * met * (1.0 - cos1));
        var mt2Lepton = Math.Sqrt(2.0 * pt2 * met * (1.0 - cos2));
        var mt2 = Math.Min(mt1, mt2Lepton);
        var sR = pt1 + pt2 + met;
        double totalX = llx + mx, totalY = lly + my;
        var mDeltaR = Math.Sqrt(Math.Max(0.0, (sR * sR) - ((totalX * totalX) + (totalY * totalY))));
        var cosLlMet = ll > 0 && met > 0 ? ((llx * mx) + (lly * my)) / (ll * met) : 1.0;
        var dPhiRb = (1.0 - cosLlMet) / 2.0;
        var cosTheta = PortableMath.Tanh((eta1 - eta2) / 2.0);

        x[0] = pt1;
        x[1] = eta1;
        x[2] = phi1;
        x[3] = pt2;
        x[4] = eta2;
        x[5] = phi2;
        x[6] = met;
        x[7] = phiMet;
        x[8] = metRel;
        x[9] = axialMet;
        x[10] = mR;
        x[11] = mTr;
        x[12] = r;
        x[13] = mt2;
        x[14] = sR;
        x[15] = mDeltaR;
        x[16] = dPhiRb;
        x[17] = cosTheta;

        if (random.NextDouble() < LabelNoise)
        {
            signal = random.NextDouble() < SignalFraction;
        }

        return signal ? 1 : 0;
    }

    private static double Angle(Xoshiro256StarStar random) => (2.0 * Math.PI * random.NextDouble()) - Math.PI;

    /// <summary>Maps an angle within (-4π, 4π) to (-π, π] by whole turns, with basic operations only.</summary>
    private static double WrapAngle(double angle)
    {
        while (angle > Math.PI)
        {
            angle -= 2.0 * Math.PI;
        }

        while (angle <= -Math.PI)
        {
            angle += 2.0 * Math.PI;
        }

        return angle;
    }

    private static (double[] Mean, double[] Std) ColumnStatistics(double[] features, int count)
    {
        var mean = new double[FeatureCount];
        var std = new double[FeatureCount];
        for (var i = 0; i < count; i++)
        {
            for (var j = 0; j < FeatureCount; j++)
            {
                mean[j] += features[(i * FeatureCount) + j];
            }
        }

        for (var j = 0; j < FeatureCount; j++)
        {
            mean[j] /= count;
        }

        // Two passes: the sum of squared deviations, not E[x²] - E[x]², which cancels badly.
        for (var i = 0; i < count; i++)
        {
            for (var j = 0; j < FeatureCount; j++)
            {
                var d = features[(i * FeatureCount) + j] - mean[j];
                std[j] += d * d;
            }
        }

        for (var j = 0; j < FeatureCount; j++)
        {
            std[j] = Math.Sqrt(std[j] / count);

            // A constant column (possible only for tiny training sets) is centred but not scaled.
            if (!(std[j] > 0))
            {
                std[j] = 1.0;
            }
        }

        return (mean, std);
    }

    private static float[] Standardise(double[] features, double[] mean, double[] std)
    {
        var result = new float[features.Length];
        for (var i = 0; i < features.Length; i++)
        {
            var j = i % FeatureCount;
            result[i] = (float)((features[i] - mean[j]) / std[j]);
        }

        return result;
    }
}
