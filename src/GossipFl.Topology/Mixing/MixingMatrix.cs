using MathNet.Numerics.LinearAlgebra;

namespace GossipFl.Topology.Mixing;

/// <summary>
/// A sparse mixing matrix with the convention x_i' = sum_j W[i, j] x_j: row i lists what node i folds in, and
/// column j how node j's value is spread. Row i holds the diagonal and one entry per peer node i trusts,
/// columns ascending, so iteration order (and every floating-point sum over it) is fixed.
/// </summary>
public sealed class MixingMatrix
{
    private readonly int[] _rowOffsets;
    private readonly int[] _columns;
    private readonly double[] _values;

    internal MixingMatrix(MixingScheme scheme, int[] rowOffsets, int[] columns, double[] values)
    {
        Scheme = scheme;
        _rowOffsets = rowOffsets;
        _columns = columns;
        _values = values;
    }

    public MixingScheme Scheme { get; }

    public int Size => _rowOffsets.Length - 1;

    /// <summary>Number of stored (structurally non-zero) entries, diagonal included.</summary>
    public int NonZeroCount => _columns.Length;

    /// <summary>Columns of row <paramref name="row"/>, ascending.</summary>
    public ReadOnlySpan<int> RowColumns(int row) => _columns.AsSpan(_rowOffsets[row], _rowOffsets[row + 1] - _rowOffsets[row]);

    /// <summary>Weights of row <paramref name="row"/>, aligned with <see cref="RowColumns"/>.</summary>
    public ReadOnlySpan<double> RowValues(int row) => _values.AsSpan(_rowOffsets[row], _rowOffsets[row + 1] - _rowOffsets[row]);

    /// <summary>W[i, j]; zero where no entry is stored.</summary>
    public double this[int row, int column]
    {
        get
        {
            var at = RowColumns(row).BinarySearch(column);
            return at >= 0 ? RowValues(row)[at] : 0.0;
        }
    }

    /// <summary>y = W x (one synchronous gossip step on scalars), summed in stored order.</summary>
    public void Multiply(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != Size || y.Length != Size)
        {
            throw new ArgumentException($"vectors must have length {Size}");
        }

        for (var i = 0; i < Size; i++)
        {
            var sum = 0.0;
            var columns = RowColumns(i);
            var values = RowValues(i);
            for (var k = 0; k < columns.Length; k++)
            {
                sum += values[k] * x[columns[k]];
            }

            y[i] = sum;
        }
    }

    /// <summary>A dense copy (n^2 doubles: 32 MB at n = 2,000).</summary>
    public Matrix<double> ToDense()
    {
        var dense = Matrix<double>.Build.Dense(Size, Size);
        for (var i = 0; i < Size; i++)
        {
            var columns = RowColumns(i);
            var values = RowValues(i);
            for (var k = 0; k < columns.Length; k++)
            {
                dense[i, columns[k]] = values[k];
            }
        }

        return dense;
    }

    /// <summary>A sparse MathNet view of the same entries.</summary>
    public Matrix<double> ToSparse()
    {
        var entries = new List<Tuple<int, int, double>>(NonZeroCount);
        for (var i = 0; i < Size; i++)
        {
            var columns = RowColumns(i);
            var values = RowValues(i);
            for (var k = 0; k < columns.Length; k++)
            {
                entries.Add(Tuple.Create(i, columns[k], values[k]));
            }
        }

        return Matrix<double>.Build.SparseOfIndexed(Size, Size, entries);
    }
}
