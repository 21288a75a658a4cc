using GossipFl.Learning.Data;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Learning.Tests.Torch;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Tests.Learners;

/// <summary>
/// A learner's state (data-order position and optimizer state) saved after k rounds and restored into a fresh
/// learner continues exactly as the learner that never stopped. 5 steps of 16 samples per round over 200
/// samples: checkpoints fall mid-epoch, so the restored position must rebuild that epoch's permutation.
/// </summary>
[Collection(LibTorchTests.Name)]
public sealed class TorchLearnerStateTests
{
    private const int Rounds = 7;
    private const int SavedAfter = 3;

    [Theory]
    [InlineData("sgd")]
    [InlineData("sgd-momentum")]
    [InlineData("adam")]
    public void SavedAfterKRounds_RestoredIntoAFreshLearner_ContinuesBitForBit(string optimizer)
    {
        var data = RandomData.Learnable(200, [6], 3, seed: 4);
        using var original = Engine(data, optimizer);
        var learner = Learner(original, data);
        var model = original.GetParameters();
        for (var round = 0; round < SavedAfter; round++)
        {
            learner.Train(round, model, model);
        }

        var state = learner.SaveState();
        var checkpoint = (float[])model.Clone();
        for (var round = SavedAfter; round < Rounds; round++)
        {
            learner.Train(round, model, model);
        }

        using var fresh = Engine(data, optimizer);
        var resumed = Learner(fresh, data);
        resumed.RestoreState(state);
        var resumedModel = (float[])checkpoint.Clone();
        using var restarted = Engine(data, optimizer);
        var withoutState = Learner(restarted, data);
        var restartedModel = (float[])checkpoint.Clone();
        for (var round = SavedAfter; round < Rounds; round++)
        {
            resumed.Train(round, resumedModel, resumedModel);
            withoutState.Train(round, restartedModel, restartedModel);
        }

        Assert.Equal(Bits(model), Bits(resumedModel));
        // The control: without the state the continuation differs, so the test can tell.
        Assert.NotEqual(Bits(model), Bits(restartedModel));
    }

    [Fact]
    public void RestoreState_CutShort_ThrowsAndLeavesTheLearnerAsItWas()
    {
        var data = RandomData.Learnable(200, [6], 3, seed: 4);
        using var engine = Engine(data, "sgd-momentum");
        var learner = Learner(engine, data);
        var model = engine.GetParameters();
        learner.Train(0, model, model);
        var state = learner.SaveState();
        var before = learner.SaveState();

        var error = Assert.Throws<LearnerStateException>(() => learner.RestoreState(state.AsSpan(0, state.Length - 10)));

        Assert.Contains("inconsistent", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, learner.SaveState());
        Assert.Throws<LearnerStateException>(() => learner.RestoreState(state.AsSpan(0, 20)));
    }

    [Fact]
    public void RestoreState_DamagedOptimizerState_ThrowsNamingTheOptimizerAndLeavesTheLearnerAsItWas()
    {
        var data = RandomData.Learnable(200, [6], 3, seed: 4);
        using var engine = Engine(data, "adam");
        var learner = Learner(engine, data);
        var model = engine.GetParameters();
        learner.Train(0, model, model);
        var before = learner.SaveState();
        var damaged = (byte[])before.Clone();
        // Zero the optimizer archive's own header (a zip local-file signature): libtorch cannot open it.
        Array.Clear(damaged, 36, 16);

        var error = Assert.Throws<LearnerStateException>(() => learner.RestoreState(damaged));

        Assert.StartsWith("the saved optimizer state does not fit this model's optimizer", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, learner.SaveState());
    }

    [Fact]
    public void RestoreState_FromALearnerOverOtherData_SaysTheDataChanged()
    {
        var data = RandomData.Learnable(200, [6], 3, seed: 4);
        var other = RandomData.Learnable(150, [6], 3, seed: 4);
        using var engine = Engine(data, "sgd");
        var state = Learner(engine, other).SaveState();

        var error = Assert.Throws<LearnerStateException>(() => Learner(engine, data).RestoreState(state));

        Assert.Equal("the learner state counts positions in 150 samples; this node holds 200 (the data or its partition changed)", error.Message);
    }

    [Fact]
    public void RestoreState_NotLearnerState_SaysSo()
    {
        var data = RandomData.Learnable(200, [6], 3, seed: 4);
        using var engine = Engine(data, "sgd");

        var error = Assert.Throws<LearnerStateException>(() => Learner(engine, data).RestoreState("hello, not a learner state at all, just text"u8));

        Assert.Equal("not the state of a libtorch learner (bad magic or too short)", error.Message);
    }

    private static TorchModel Engine(Dataset data, string optimizer)
    {
        var engine = TorchModel.Create(ModelSpec.Mlp(8), data, seed: 11);
        engine.UseOptimizer(optimizer switch
        {
            "sgd" => new SgdSpec(0.05),
            "sgd-momentum" => new SgdSpec(0.05, Momentum: 0.9),
            _ => new AdamSpec(0.01),
        });
        return engine;
    }

    private static TorchLocalLearner Learner(TorchModel engine, Dataset data) =>
        new(engine, data, test: null, batchSize: 16, new LocalWork(5), seed: 3, node: 1);

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
