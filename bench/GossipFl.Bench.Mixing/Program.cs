using System.Diagnostics;
using System.Globalization;
using GossipFl.Learning.Algorithms;

// Folds K vectors of N floats into one with VectorMath.WeightedSum and, in the same process and alternating,
// copies the same K·N floats with Span.CopyTo (memcpy). Both read K·N·4 bytes; the copy also writes them all,
// the fold writes N·4. The figure compared is input bytes per second, median over rounds.
// Usage: GossipFl.Bench.Mixing [K] [N] [ROUNDS]   (defaults 16, 10,000,000, 7)
var culture = CultureInfo.InvariantCulture;
var count = args.Length > 0 ? int.Parse(args[0], culture) : 16;
var length = args.Length > 1 ? int.Parse(args[1], culture) : 10_000_000;
var rounds = args.Length > 2 ? int.Parse(args[2], culture) : 7;

var sources = new ReadOnlyMemory<float>[count];
var random = new Random(1);
for (var k = 0; k < count; k++)
{
    var values = new float[length];
    for (var i = 0; i < length; i++)
    {
        values[i] = (float)random.NextDouble();
    }

    sources[k] = values;
}

var coefficients = Enumerable.Repeat(1f / count, count).ToArray();
var destination = new float[length];
var copyTarget = new float[length];
var inputBytes = 4.0 * count * length;

double TimeFold()
{
    var clock = Stopwatch.StartNew();
    VectorMath.WeightedSum(destination, coefficients, sources);
    return clock.Elapsed.TotalSeconds;
}

double TimeCopy()
{
    var clock = Stopwatch.StartNew();
    foreach (var source in sources)
    {
        source.Span.CopyTo(copyTarget);
    }

    return clock.Elapsed.TotalSeconds;
}

// Warm up both paths (JIT tiering, page faults on the destinations).
TimeFold();
TimeCopy();
var fold = new List<double>();
var copy = new List<double>();
for (var r = 0; r < rounds; r++)
{
    fold.Add(TimeFold());
    copy.Add(TimeCopy());
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted[sorted.Length / 2];
}

var foldRate = inputBytes / Median(fold) / 1e9;
var copyRate = inputBytes / Median(copy) / 1e9;
Console.WriteLine(string.Create(culture,
    $"{{\"vectors\":{count},\"length\":{length},\"rounds\":{rounds},\"fold_seconds\":{Median(fold):F4},\"memcpy_seconds\":{Median(copy):F4},\"fold_gb_per_s\":{foldRate:F2},\"memcpy_gb_per_s\":{copyRate:F2},\"ratio\":{foldRate / copyRate:F3}}}"));
