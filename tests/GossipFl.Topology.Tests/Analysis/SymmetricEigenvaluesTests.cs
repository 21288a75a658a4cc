using FsCheck.Fluent;
using GossipFl.Topology.Analysis;
using MathNet.Numerics.LinearAlgebra;

namespace GossipFl.Topology.Tests.Analysis;

public class SymmetricEigenvaluesTests
{
    [Fact]
    public void Compute_AgreesWithMathNet_OnRandomSymmetricMatrices()
    {
        var cases = Gen.Choose(1, 60).SelectMany(n => Properties.Seeds.Select(seed => (n, seed)));
        Properties.Hold(cases, c =>
        {
            var random = new GossipFl.Topology.Generation.DeterministicRandom(c.seed);
            var m = Matrix<double>.Build.Dense(c.n, c.n);
            for (var i = 0; i < c.n; i++)
            {
                for (var j = 0; j <= i; j++)
                {
                    // Some exact zeros, so already-tridiagonal columns are exercised too.
                    var x = random.NextBool(0.3) ? 0.0 : random.NextDouble() - 0.5;
                    m[i, j] = m[j, i] = x;
                }
            }

            var expected = m.Evd(Symmetricity.Symmetric).EigenValues.Select(z => z.Real).Order().ToArray();
            var actual = SymmetricEigenvalues.Compute(m.ToRowMajorArray(), c.n).Order().ToArray();
            return expected.Zip(actual).All(p => Math.Abs(p.First - p.Second) < 1e-10);
        }, cases: 100);
    }

    [Fact]
    public void Compute_DiagonalAndRepeatedEigenvalues()
    {
        Assert.Equal([-2.0, 1.0, 3.0], SymmetricEigenvalues.Compute([3, 0, 0, 0, -2, 0, 0, 0, 1], 3).Order());
        // J/n on 5 nodes: eigenvalue 1 once, 0 four times.
        var j = Enumerable.Repeat(0.2, 25).ToArray();
        var values = SymmetricEigenvalues.Compute(j, 5).Order().ToArray();
        Assert.All(values[..4], v => Assert.Equal(0.0, v, 12));
        Assert.Equal(1.0, values[4], 12);
    }
}
