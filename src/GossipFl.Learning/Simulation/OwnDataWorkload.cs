using System.Globalization;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Data;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Simulation;

/// <summary>
/// One node's learner over its own data (<see cref="OwnDataSpec"/>): everything in the node's file but a stratified
/// validation split is trained on, nothing is partitioned and nothing is read from anywhere else. The model is built
/// from the task contract, not from the data, so a node whose data lacks some classes (label skew) still has every
/// class's output and the same parameter vector as its peers. Owns its libtorch engine.
/// </summary>
public sealed class OwnDataWorkload : IDisposable
{
    /// <summary>Salt for the validation split's seed, so it does not replay the data order's stream.</summary>
    private const ulong ValidationSalt = 0x56616C6964617465UL;

    private readonly TorchModel _engine;

    private OwnDataWorkload(TorchModel engine, ILocalLearner learner, float[] initial, Dataset train, Dataset validation, Dataset? test, string description)
    {
        _engine = engine;
        Learner = learner;
        Initial = initial;
        Train = train;
        Validation = validation;
        Test = test;
        Description = description;
    }

    public ILocalLearner Learner { get; }

    /// <summary>Every peer starts from these parameters (drawn from the shared seed).</summary>
    public float[] Initial { get; }

    public Dataset Train { get; }

    public Dataset Validation { get; }

    public Dataset? Test { get; }

    public string Description { get; }

    /// <exception cref="FileNotFoundException">A data file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">A data directory does not exist.</exception>
    /// <exception cref="DataFormatException">The data is malformed or does not fit the task.</exception>
    public static OwnDataWorkload Create(OwnDataSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!(spec.ValidationFraction >= 0 && spec.ValidationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.ValidationFraction, "the validation fraction must be in [0, 1)");
        }

        var all = LocalData.Load(spec.DataPath, spec.Task, spec.Reading);
        var test = spec.TestDataPath is null ? null : LocalData.Load(spec.TestDataPath, spec.Task, spec.Reading);
        var split = DatasetCatalog.HoldOut(all, spec.ValidationFraction, spec.Seed ^ ValidationSalt ^ (ulong)spec.Node);
        var engine = TorchModel.Create(spec.Model, spec.Task.InputShape, spec.Task.ClassCount, seed: spec.Seed);
        try
        {
            engine.UseOptimizer(new SgdSpec(spec.LearningRate));
            var initial = engine.GetParameters();
            var learner = new TorchLocalLearner(engine, split.Train, test, spec.BatchSize, spec.Work, spec.Seed, spec.Node, split.Test);
            var description = string.Create(CultureInfo.InvariantCulture,
                $"{spec.Model} on its own data {spec.DataPath}: {all.Count:N0} samples ({split.Train.Count:N0} to train, {split.Test.Count:N0} to validate), classes {DescribeClasses(all)}")
                + (test is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; tested on {spec.TestDataPath} ({test.Count:N0} samples)"));
            return new OwnDataWorkload(engine, learner, initial, split.Train, split.Test, test, description);
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }

    /// <summary>"0: 1,200, 3: 950" — which classes the node holds and how many of each (label skew shows here).</summary>
    public static string DescribeClasses(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var counts = new int[data.ClassCount];
        foreach (var label in data.Labels)
        {
            counts[label]++;
        }

        var present = Enumerable.Range(0, counts.Length).Where(c => counts[c] > 0).ToArray();
        return $"{present.Length} of {data.ClassCount} present ("
            + string.Join(", ", present.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c}: {counts[c]:N0}"))) + ")";
    }

    public void Dispose() => _engine.Dispose();
}
