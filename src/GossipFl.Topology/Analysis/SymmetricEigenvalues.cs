using System.Numerics;

namespace GossipFl.Topology.Analysis;

/// <summary>
/// Eigenvalues (no eigenvectors) of a real symmetric matrix: Householder reduction to tridiagonal form, then
/// the implicit QL iteration with Wilkinson shifts (as in EISPACK's tred1/tql1; Golub and Van Loan,
/// "Matrix Computations", 4th ed., §8.3). MathNet's symmetric solver always accumulates eigenvectors,
/// which roughly triples the work and walks the matrix column-wise; this version streams contiguous rows
/// with SIMD and is what makes spectral analysis of a few thousand nodes interactive.
/// Only the lower triangle is read and updated (symmetry gives the rest), which halves the memory traffic
/// that bounds the reduction. Cost: (4/3)n^3 flops for the reduction, O(n^2) for the iteration; memory:
/// one n×n copy.
/// </summary>
internal static class SymmetricEigenvalues
{
    private const int MaxIterationsPerEigenvalue = 60;

    /// <summary>Eigenvalues of the symmetric matrix given row-major in <paramref name="a"/> (destroyed).</summary>
    public static double[] Compute(double[] a, int n)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Length != n * n)
        {
            throw new ArgumentException($"expected {n}x{n} values", nameof(a));
        }

        var d = new double[n];
        var e = new double[n];
        Tridiagonalize(a, n, d, e);
        TridiagonalQl(d, e);
        return d;
    }

    /// <summary>
    /// Householder reduction of the lower trailing block, column by column. Step k annihilates A[k+2.., k]
    /// with H = I - tau v v^T and applies it on both sides as the symmetric rank-2 update
    /// A &lt;- A - v w^T - w v^T, w = tau A v - (tau^2/2)(v^T A v) v.
    /// </summary>
    private static void Tridiagonalize(double[] a, int n, double[] d, double[] e)
    {
        var v = new double[n];
        var w = new double[n];
        for (var k = 0; k < n - 2; k++)
        {
            var start = k + 1;
            var m = n - start;
            var norm2 = 0.0;
            for (var i = start; i < n; i++)
            {
                var x = a[(i * n) + k];
                v[i] = x;
                norm2 += x * x;
            }

            d[k] = a[(k * n) + k];
            var x0 = v[start];
            if (norm2 - (x0 * x0) == 0.0)
            {
                // Already zero below the subdiagonal: nothing to reflect.
                e[k] = x0;
                continue;
            }

            var alpha = x0 >= 0 ? -Math.Sqrt(norm2) : Math.Sqrt(norm2);
            e[k] = alpha;
            v[start] = x0 - alpha;
            // v^T v = norm2 - 2 alpha x0 + alpha^2 = 2 (norm2 - alpha x0).
            var tau = 1.0 / (norm2 - (alpha * x0));

            // p = tau A22 v over the lower triangle only: row i's strictly-lower part contributes a dot
            // product to p[i] and, by symmetry, an axpy to p[start..i); both walk the row contiguously.
            Array.Clear(w, start, m);
            for (var i = start; i < n; i++)
            {
                var width = i - start;
                var row = a.AsSpan((i * n) + start, width);
                var below = v.AsSpan(start, width);
                w[i] += Dot(row, below) + (a[(i * n) + i] * v[i]);
                AddScaled(w.AsSpan(start, width), v[i], row);
            }

            var vTp = 0.0;
            for (var i = start; i < n; i++)
            {
                w[i] *= tau;
                vTp += v[i] * w[i];
            }

            var half = 0.5 * tau * vTp;
            for (var i = start; i < n; i++)
            {
                w[i] -= half * v[i];
            }

            // A22 -= v w^T + w v^T, again on the lower triangle (diagonal included) only.
            for (var i = start; i < n; i++)
            {
                var width = i - start + 1;
                SubtractRank2(a.AsSpan((i * n) + start, width), v[i], w.AsSpan(start, width), w[i], v.AsSpan(start, width));
            }
        }

        if (n >= 2)
        {
            d[n - 2] = a[((n - 2) * n) + n - 2];
            e[n - 2] = a[((n - 1) * n) + n - 2];
        }

        if (n >= 1)
        {
            d[n - 1] = a[((n - 1) * n) + n - 1];
            e[n - 1] = 0.0;
        }
    }

    /// <summary>
    /// Implicit QL with Wilkinson shifts on the tridiagonal matrix with diagonal d and subdiagonal e
    /// (e[i] couples d[i] and d[i+1]); overwrites d with the eigenvalues (unsorted).
    /// </summary>
    private static void TridiagonalQl(double[] d, double[] e)
    {
        var n = d.Length;
        for (var l = 0; l < n; l++)
        {
            var iterations = 0;
            int m;
            do
            {
                for (m = l; m < n - 1; m++)
                {
                    var dd = Math.Abs(d[m]) + Math.Abs(d[m + 1]);
                    if (Math.Abs(e[m]) <= double.Epsilon + (2.2e-16 * dd))
                    {
                        break;
                    }
                }

                if (m == l)
                {
                    break;
                }

                if (++iterations > MaxIterationsPerEigenvalue)
                {
                    throw new InvalidOperationException("tridiagonal QL iteration did not converge");
                }

                var g = (d[l + 1] - d[l]) / (2.0 * e[l]);
                var r = Hypot(g, 1.0);
                g = d[m] - d[l] + (e[l] / (g + (g >= 0 ? r : -r)));
                double s = 1.0, c = 1.0, p = 0.0;
                var deflated = false;
                for (var i = m - 1; i >= l; i--)
                {
                    var f = s * e[i];
                    var b = c * e[i];
                    r = Hypot(f, g);
                    e[i + 1] = r;
                    if (r == 0.0)
                    {
                        // Underflow split the matrix; restart the sweep on the smaller block.
                        d[i + 1] -= p;
                        e[m] = 0.0;
                        deflated = true;
                        break;
                    }

                    s = f / r;
                    c = g / r;
                    g = d[i + 1] - p;
                    r = ((d[i] - g) * s) + (2.0 * c * b);
                    p = s * r;
                    d[i + 1] = g + p;
                    g = (c * r) - b;
                }

                if (deflated)
                {
                    continue;
                }

                d[l] -= p;
                e[l] = g;
                e[m] = 0.0;
            }
            while (m != l);
        }
    }

    private static double Hypot(double x, double y)
    {
        // Scaled to avoid overflow and underflow, as LAPACK's dlapy2.
        x = Math.Abs(x);
        y = Math.Abs(y);
        var big = Math.Max(x, y);
        var small = Math.Min(x, y);
        if (big == 0.0)
        {
            return 0.0;
        }

        var ratio = small / big;
        return big * Math.Sqrt(1.0 + (ratio * ratio));
    }

    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var sum = Vector<double>.Zero;
        var i = 0;
        for (; i <= x.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            sum += new Vector<double>(x[i..]) * new Vector<double>(y[i..]);
        }

        var total = Vector.Sum(sum);
        for (; i < x.Length; i++)
        {
            total += x[i] * y[i];
        }

        return total;
    }

    /// <summary>y += a * x, elementwise.</summary>
    private static void AddScaled(Span<double> y, double a, ReadOnlySpan<double> x)
    {
        var va = new Vector<double>(a);
        var i = 0;
        for (; i <= y.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            (new Vector<double>(y[i..]) + (va * new Vector<double>(x[i..]))).CopyTo(y[i..]);
        }

        for (; i < y.Length; i++)
        {
            y[i] += a * x[i];
        }
    }

    /// <summary>row -= a * x + b * y, elementwise.</summary>
    private static void SubtractRank2(Span<double> row, double a, ReadOnlySpan<double> x, double b, ReadOnlySpan<double> y)
    {
        var va = new Vector<double>(a);
        var vb = new Vector<double>(b);
        var i = 0;
        for (; i <= row.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            var updated = new Vector<double>(row[i..]) - (va * new Vector<double>(x[i..])) - (vb * new Vector<double>(y[i..]));
            updated.CopyTo(row[i..]);
        }

        for (; i < row.Length; i++)
        {
            row[i] -= (a * x[i]) + (b * y[i]);
        }
    }
}
