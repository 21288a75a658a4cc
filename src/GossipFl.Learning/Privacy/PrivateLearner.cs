using System.Buffers.Binary;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;

namespace GossipFl.Learning.Privacy;

/// <summary>
/// Peer-level DP around any learner (and the accounting of sample-level DP-SGD, whose peer mechanism is the identity
/// while the engine noises every step): before each round it snapshots the vector training writes to, lets the inner
/// learner train, then replaces the update by its clipped, noised version (<see cref="PeerLevelPrivacy"/>). Every
/// algorithm shares a vector that training reached only through this update (push-sum's x, D-PSGD's and DOL's x,
/// a FedAvg client's reply), so one decorator serves them all. Each round it trains is one composition in its
/// <see cref="PrivacyAccount"/>; when the budget would be exceeded it stops training for good: the vector stays as it
/// is, which the algorithms then mix or send like any other (post-processing of what was already released).
/// </summary>
public sealed class PrivateLearner : ILocalLearner, IResumableLearner
{
    private const uint StateMagic = 0x50444647; // "GFDP" little-endian
    private const int StateVersion = 1;
    private readonly ILocalLearner _inner;
    private readonly float[] _before;

    public PrivateLearner(ILocalLearner inner, PeerLevelPrivacy mechanism, PrivacyAccount account)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(mechanism);
        ArgumentNullException.ThrowIfNull(account);
        _inner = inner;
        Mechanism = mechanism;
        Account = account;
        _before = new float[inner.ParameterCount];
    }

    /// <summary>
    /// The learner <paramref name="spec"/> asks for at node <paramref name="nodeIndex"/>. With an ε target instead of a
    /// noise multiplier, σ is calibrated so that <paramref name="plannedRounds"/> rounds reach the target at the node's δ.
    /// </summary>
    public static PrivateLearner Create(ILocalLearner inner, PrivacySpec spec, int nodeIndex, long plannedRounds = 0, double samplingRate = 1.0)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.SampleLevel is { } sample)
        {
            return CreateSampleLevel(inner, spec, sample, nodeIndex);
        }

        var delta = spec.DeltaFor(Math.Max(1, inner.SampleCount));
        var sigma = spec.NoiseMultiplier ?? CalibrateFor(spec, plannedRounds, samplingRate, delta);
        var mechanism = new PeerLevelPrivacy(spec.ClipNorm, sigma, inner.ParameterCount, GaussianNoise.For(spec, nodeIndex));
        var account = new PrivacyAccount(sigma, samplingRate, delta, spec.EpsilonBudget);
        return new PrivateLearner(inner, mechanism, account);
    }

    /// <summary>
    /// Sample-level DP-SGD: the engine clips and noises every step, the update leaves unchanged (identity peer
    /// mechanism), and each round counts as the round's optimizer steps, each a sampled Gaussian mechanism with
    /// q = B / n (Abadi et al. 2016, section 3.1, with the RDP analysis of Mironov, Talwar and Zhang 2019).
    /// </summary>
    private static PrivateLearner CreateSampleLevel(ILocalLearner inner, PrivacySpec spec, SampleDpSettings sample, int nodeIndex)
    {
        if (inner is not TorchLocalLearner torch)
        {
            throw new ArgumentException(
                "sample-level DP (--dp-sample-clip/--dp-sample-noise) needs a model trained by the libtorch engine; the online logistic learner has no DP-SGD: use peer-level DP (--dp-clip) there");
        }

        torch.UseSampleDp(sample, spec.NoiseSeed is { } seed ? PrivacySpec.NoiseSeedFor(seed, nodeIndex) : null);
        var delta = spec.DeltaFor(Math.Max(1, inner.SampleCount));
        var identity = new PeerLevelPrivacy(double.PositiveInfinity, 0, inner.ParameterCount, GaussianNoise.For(spec, nodeIndex));
        var account = new PrivacyAccount(sample.NoiseMultiplier, torch.SamplingRate, delta, spec.EpsilonBudget, compositionsPerRound: torch.StepsPerRound);
        return new PrivateLearner(inner, identity, account);
    }

    /// <summary>σ for <paramref name="spec"/>'s ε target over <paramref name="plannedRounds"/> rounds at <paramref name="delta"/>.</summary>
    public static double CalibrateFor(PrivacySpec spec, long plannedRounds, double samplingRate, double delta)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var target = spec.EpsilonTarget ?? throw new ArgumentException("the spec has neither a noise multiplier nor an ε target", nameof(spec));
        if (plannedRounds < 1)
        {
            throw new ArgumentException("--dp-epsilon-target needs the number of rounds to calibrate over", nameof(plannedRounds));
        }

        return RdpAccountant.CalibrateNoise(target, samplingRate, plannedRounds, delta);
    }

    public ILocalLearner Inner => _inner;

    public PeerLevelPrivacy Mechanism { get; }

    public PrivacyAccount Account { get; }

    /// <summary>Whether the budget has stopped the node's training.</summary>
    public bool Exhausted { get; private set; }

    /// <summary>The round the node first declined to train in (null while it trains).</summary>
    public long? StoppedBeforeRound { get; private set; }

    /// <summary>Called once, with <see cref="PrivacyAccount.StopLine"/>, when the budget stops training.</summary>
    public Action<string>? BudgetExhausted { get; set; }

    /// <summary>Called at the end of every <see cref="Train"/> (trained or declined), on the training thread: status reads the account here.</summary>
    public Action<PrivateLearner>? AfterRound { get; set; }

    public int ParameterCount => _inner.ParameterCount;

    public int SampleCount => _inner.SampleCount;

    public bool HasTestData => _inner.HasTestData;

    /// <summary>
    /// Trains privately, or, once the budget is spent, leaves <paramref name="target"/> untouched and returns NaN
    /// (no sample was used, so there is no training loss).
    /// </summary>
    public double Train(long round, ReadOnlySpan<float> model, Span<float> target)
    {
        if (Exhausted || !Account.CanSpendAnother)
        {
            if (!Exhausted)
            {
                Exhausted = true;
                StoppedBeforeRound = round;
                BudgetExhausted?.Invoke(Account.StopLine(round));
            }

            AfterRound?.Invoke(this);
            return double.NaN;
        }

        target.CopyTo(_before);
        var loss = _inner.Train(round, model, target);
        Mechanism.Apply(_before, target);
        Account.Spend();
        AfterRound?.Invoke(this);
        return loss;
    }

    public Evaluation Evaluate(ReadOnlySpan<float> model) => _inner.Evaluate(model);

    public Evaluation? Validate(ReadOnlySpan<float> model) => _inner.Validate(model);

    /// <summary>The privacy rounds spent, then the inner learner's state (empty when it keeps none).</summary>
    public byte[] SaveState()
    {
        var inner = _inner is IResumableLearner resumable ? resumable.SaveState() : [];
        var state = new byte[16 + inner.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(state, StateMagic);
        BinaryPrimitives.WriteInt32LittleEndian(state.AsSpan(4), StateVersion);
        BinaryPrimitives.WriteInt64LittleEndian(state.AsSpan(8), Account.Rounds);
        inner.CopyTo(state.AsSpan(16));
        return state;
    }

    public void RestoreState(ReadOnlySpan<byte> state)
    {
        if (state.Length < 16 || BinaryPrimitives.ReadUInt32LittleEndian(state) != StateMagic)
        {
            throw new LearnerStateException("the checkpoint was written without peer-level DP (no privacy account in it)");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(state[4..]);
        if (version != StateVersion)
        {
            throw new LearnerStateException($"privacy account format {version} is not {StateVersion}");
        }

        var rounds = BinaryPrimitives.ReadInt64LittleEndian(state[8..]);
        if (rounds < 0)
        {
            throw new LearnerStateException($"the checkpoint's privacy account has {rounds} rounds");
        }

        if (_inner is IResumableLearner resumable)
        {
            resumable.RestoreState(state[16..]);
        }

        Account.Restore(rounds);
    }
}
