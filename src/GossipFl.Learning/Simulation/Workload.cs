using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Data;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Learning.Torch;
using GossipFl.Learning.Training;

namespace GossipFl.Learning.Simulation;

/// <summary>
/// The learners, the common initial parameters and the centralized reference for one <see cref="WorkloadSpec"/>.
/// Owns the libtorch engines it created.
/// </summary>
public sealed class Workload : IDisposable
{
    private readonly List<TorchModel> _engines = [];

    private Workload(WorkloadSpec spec, int? onlyPeer = null)
    {
        Spec = spec;
        OnlyPeer = onlyPeer;
    }

    public WorkloadSpec Spec { get; }

    /// <summary>
    /// Set when this workload serves one peer (a daemon): <see cref="Learners"/> then holds only that peer's
    /// learner, built exactly as the simulator builds it, so a daemon and the simulator compute the same thing.
    /// </summary>
    public int? OnlyPeer { get; }

    public IReadOnlyList<ILocalLearner> Learners { get; private set; } = [];

    /// <summary>Every peer starts from these parameters (drawn once from the seed).</summary>
    public float[] Initial { get; private set; } = [];

    /// <summary>Whether learners may train on several threads at once (not when they share a libtorch engine).</summary>
    public bool ParallelTraining { get; private set; }

    /// <summary>
    /// The data this workload holds: the whole data set and its test set, or, for one peer
    /// (<see cref="CreateForPeer"/>), that peer's part and the test set, so a daemon does not keep the rest alive.
    /// </summary>
    public DatasetSplit Data { get; private set; } = null!;

    public string Description { get; private set; } = "";

    /// <summary>Builds the workload's peers; <paramref name="centralized"/> builds the pooled reference instead.</summary>
    public static Workload Create(WorkloadSpec spec, bool centralized = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var workload = new Workload(spec);
        try
        {
            if (spec.Online)
            {
                workload.BuildOnline(centralized);
            }
            else
            {
                workload.BuildTorch(centralized);
            }

            return workload;
        }
        catch
        {
            workload.Dispose();
            throw;
        }
    }

    /// <summary>The learner, initial parameters and data of peer <paramref name="peer"/> alone, for a daemon.</summary>
    public static Workload CreateForPeer(WorkloadSpec spec, int peer)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegative(peer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(peer, spec.Nodes);
        var workload = new Workload(spec, peer);
        try
        {
            if (spec.Online)
            {
                workload.BuildOnline(centralized: false);
            }
            else
            {
                workload.BuildTorch(centralized: false);
            }

            return workload;
        }
        catch
        {
            workload.Dispose();
            throw;
        }
    }

    /// <summary>The centralized reference: one learner over the pooled stream (online) or a trainer over the pooled data.</summary>
    public CentralizedSimulation Centralized(int rounds, int evalEvery, IMetricsSink? sink)
    {
        if (Spec.Online)
        {
            return new CentralizedSimulation(Learners[0], Initial, rounds, evalEvery, sink);
        }

        var trainer = new CentralizedTrainer(_engines[0], Data, Spec.BatchSize, Spec.Seed);
        return new CentralizedSimulation(trainer, Initial.Length, rounds, evalEvery, sink);
    }

    public void Dispose()
    {
        foreach (var engine in _engines)
        {
            engine.Dispose();
        }

        _engines.Clear();
    }

    private void BuildOnline(bool centralized)
    {
        if (Spec.Model.Kind != ModelKind.LogReg)
        {
            throw new DataSpecException(Spec.Model.ToString(), "the online setting trains logistic regression in managed code; use --model logreg.");
        }

        // Streams draw with replacement from the pool, so the default 100,000 events serve any N and T; a
        // 10,000-event test set keeps per-peer evaluation of 1,024 peers cheap.
        Data = DatasetCatalog.Load(Spec.Dataset, new DatasetLoadOptions(Seed: Spec.Seed, SyntheticTestCount: 10_000));
        if (Data.Train.ClassCount != 2)
        {
            throw new DataSpecException(Spec.Dataset, $"the online setting's logistic regression needs 2 classes; this data set has {Data.Train.ClassCount}.");
        }

        if (Spec.Beta > 0 && Data.Train.Count < Spec.Nodes)
        {
            throw new DataSpecException(Spec.Dataset, $"{Data.Train.Count} samples cannot form one cluster for each of {Spec.Nodes} peers; use --beta 0 or fewer peers.");
        }

        var length = checked(Spec.Rounds * Spec.BatchSize);
        var streams = OnlineStreams.Build(Data.Train, Spec.Nodes, length, Spec.Beta, Spec.Seed);
        Initial = OnlineLogisticLearner.InitialParameters(Data.Train.FeatureCount);
        ParallelTraining = true;
        if (centralized)
        {
            var pooled = OnlineStreams.Pooled(streams, Spec.Rounds, Spec.BatchSize);
            Learners = [new OnlineLogisticLearner(Data.Train, pooled, Spec.BatchSize * Spec.Nodes, Spec.LearningRate, Data.Test)];
        }
        else
        {
            // Streams index the pooled data, so a label-flipping peer draws the same samples from a flipped copy.
            var flipped = Spec.LabelFlipped is { Count: > 0 } ? Data.Train.WithFlippedLabels() : null;
            Learners = streams.Select((s, k) => (ILocalLearner)new OnlineLogisticLearner(
                Spec.FlipsLabels(k) ? flipped! : Data.Train, s, Spec.BatchSize, Spec.LearningRate, Data.Test)).ToArray();
            if (OnlyPeer is { } peer)
            {
                Learners = [Learners[peer]];
            }
        }

        Description = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"online logistic regression on {Data.Train.Name} ({Data.Train.Count:N0} pooled samples, β = {Spec.Beta}), batch {Spec.BatchSize}");
    }

    private void BuildTorch(bool centralized)
    {
        Data = DatasetCatalog.Load(Spec.Dataset, new DatasetLoadOptions(Seed: Spec.Seed));
        var engine = TorchModel.Create(Spec.Model, Data.Train, seed: Spec.Seed);
        _engines.Add(engine);
        engine.UseOptimizer(new SgdSpec(Spec.LearningRate));
        Initial = engine.GetParameters();
        ParallelTraining = false;
        if (centralized)
        {
            Learners = [];
            Description = $"{Spec.Model} on pooled {Data.Train.Name}, one epoch per round";
            return;
        }

        var partition = PartitionerCatalog.Parse(Spec.Partition).Apply(Data.Train, Spec.Nodes, Spec.Seed);
        for (var i = 0; i < Spec.Nodes; i++)
        {
            if (partition.SizeOf(i) == 0)
            {
                throw new DataSpecException(Spec.Partition, $"peer {i} of {Spec.Nodes} gets no samples of {Data.Train.Name}; use fewer peers or another partition.");
            }
        }

        if (OnlyPeer is { } only)
        {
            var own = ClientData(partition, only);
            Learners = [new TorchLocalLearner(engine, own, Data.Test, Spec.BatchSize, Spec.Work, Spec.Seed, only)];
            Description = $"{Spec.Model} on {Data.Train.Name} split {partition.Scheme}: peer {only} of {Spec.Nodes} holds {partition.SizeOf(only):N0} samples";
            // The whole training set (47 MB of pixel codes for Fashion-MNIST) is garbage from here on.
            Data = Data with { Train = own };
            return;
        }

        var learners = new ILocalLearner[Spec.Nodes];
        for (var i = 0; i < Spec.Nodes; i++)
        {
            var model = engine;
            if (!Spec.SharedEngine && i > 0)
            {
                model = TorchModel.Create(Spec.Model, Data.Train);
                model.UseOptimizer(new SgdSpec(Spec.LearningRate));
                _engines.Add(model);
            }

            learners[i] = new TorchLocalLearner(model, ClientData(partition, i), Data.Test, Spec.BatchSize, Spec.Work, Spec.Seed, i);
        }

        Learners = learners;
        Description = $"{Spec.Model} on {Data.Train.Name} split {partition.Scheme} over {Spec.Nodes} peers, batch {Spec.BatchSize}, "
            + (Spec.Work.Epochs is { } e ? $"{e} local epoch(s)" : $"{Spec.Work.Steps} local step(s)") + " per round"
            + (Spec.SharedEngine ? ", one shared engine" : ", one engine per peer");
    }

    private Dataset ClientData(Partition partition, int peer)
    {
        var data = partition.ClientData(Data.Train, peer);
        return Spec.FlipsLabels(peer) ? data.WithFlippedLabels() : data;
    }
}
