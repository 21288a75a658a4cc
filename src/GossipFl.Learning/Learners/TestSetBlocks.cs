using System.Runtime.CompilerServices;
using GossipFl.Learning.Data;

namespace GossipFl.Learning.Learners;

/// <summary>
/// A test set re-laid out for evaluating many models on it, four samples side by side: block b holds samples
/// 4b..4b+3, feature by feature ([block][feature][lane]), so one vector load reads one feature of four samples and
/// a block's values are contiguous (a sweep streams through memory instead of following 18 column streams).
/// Samples beyond the last whole block are left to the row-major <see cref="Dataset"/>. One copy per data set is
/// shared by every learner that evaluates on it (4096 online peers share one test set).
/// </summary>
internal sealed class TestSetBlocks
{
    public const int Lanes = 4;

    private static readonly ConditionalWeakTable<Dataset, TestSetBlocks> Cache = [];

    private TestSetBlocks(Dataset test)
    {
        FeatureCount = test.FeatureCount;
        BlockCount = test.Count / Lanes;
        Values = new float[BlockCount * Lanes * FeatureCount];
        Labels = new double[BlockCount * Lanes];
        var features = test.Features;
        for (var sample = 0; sample < BlockCount * Lanes; sample++)
        {
            var (block, lane) = Math.DivRem(sample, Lanes);
            for (var k = 0; k < FeatureCount; k++)
            {
                Values[(((block * FeatureCount) + k) * Lanes) + lane] = features[(sample * FeatureCount) + k];
            }

            Labels[sample] = test.Labels[sample];
        }
    }

    public int FeatureCount { get; }

    /// <summary>Whole blocks of <see cref="Lanes"/> samples; samples from BlockCount·Lanes on are not in the blocks.</summary>
    public int BlockCount { get; }

    /// <summary>Features, [block][feature][lane].</summary>
    public float[] Values { get; }

    /// <summary>Labels of the blocked samples as doubles (the value the loss multiplies by).</summary>
    public double[] Labels { get; }

    /// <summary>The blocks of <paramref name="test"/>, made on first use and kept as long as the data set lives.</summary>
    public static TestSetBlocks Of(Dataset test) => Cache.GetValue(test, static t => new TestSetBlocks(t));
}
