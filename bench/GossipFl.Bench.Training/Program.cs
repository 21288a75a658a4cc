// Measures training throughput (samples/s) of one model on Fashion-MNIST-shaped data, and the time to get
// and set all parameters against a plain copy of the same size. Prints one JSON object.
// Usage: GossipFl.Bench.Training MODEL THREADS SAMPLES BATCH REPEATS [DATA [CLIP NOISE]]
//   DATA: random (the default: uniform values, random labels) or fashion-mnist (the first SAMPLES training images);
//   CLIP NOISE: train with sample-level DP-SGD (clip norm, noise multiplier) instead of plain SGD.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GossipFl.Learning.Data;
using GossipFl.Learning.Models;
using GossipFl.Learning.Privacy;
using GossipFl.Learning.Torch;

if (args.Length is not (5 or 6 or 8))
{
    Console.Error.WriteLine("usage: GossipFl.Bench.Training MODEL THREADS SAMPLES BATCH REPEATS [random|fashion-mnist [CLIP NOISE]]");
    return 2;
}

var spec = ModelSpec.Parse(args[0]);
var threads = int.Parse(args[1], CultureInfo.InvariantCulture);
var samples = int.Parse(args[2], CultureInfo.InvariantCulture);
var batch = int.Parse(args[3], CultureInfo.InvariantCulture);
var repeats = int.Parse(args[4], CultureInfo.InvariantCulture);

var source = args.Length > 5 ? args[5] : "random";
SampleDpSettings? dp = args.Length == 8
    ? new SampleDpSettings(double.Parse(args[6], CultureInfo.InvariantCulture), double.Parse(args[7], CultureInfo.InvariantCulture))
    : null;

TorchRuntime.Threads = threads;
Dataset data;
if (source == "fashion-mnist")
{
    var train = DatasetCatalog.Load(DatasetCatalog.FashionMnistName, new DatasetLoadOptions(Seed: 0)).Train;
    samples = Math.Min(samples, train.Count);
    data = train.Subset(Enumerable.Range(0, samples).ToArray());
}
else
{
    var random = new Random(0);
    var features = new float[samples * 784];
    for (var i = 0; i < features.Length; i++)
    {
        features[i] = (float)(random.NextDouble() * 2 - 1);
    }

    var labels = Enumerable.Range(0, samples).Select(_ => (long)random.Next(10)).ToArray();
    data = new Dataset("bench", features, labels, [1, 28, 28], 10);
}

using var model = TorchModel.Create(spec, data, seed: 0);
model.UseOptimizer(new SgdSpec(0.01, Momentum: 0.9));
// A fixed noise seed: the benchmark measures time, and its noise protects nothing.
model.UseSampleDp(dp, noiseSeed: 1);

// One warm-up pass: first calls pay for allocator growth and OpenMP thread start-up.
model.Train(data, [], batch);
var epochSeconds = new List<double>();
for (var r = 0; r < repeats; r++)
{
    var clock = Stopwatch.StartNew();
    model.Train(data, [], batch);
    epochSeconds.Add(clock.Elapsed.TotalSeconds);
}

var median = Median(epochSeconds);
var parameters = new float[model.ParameterCount];
var copy = new float[model.ParameterCount];
const int ParameterRounds = 200;
var getSeconds = Time(() => model.GetParameters(parameters), ParameterRounds);
var setSeconds = Time(() => model.SetParameters(parameters), ParameterRounds);
var copySeconds = Time(() => parameters.AsSpan().CopyTo(copy), ParameterRounds);

Console.WriteLine(JsonSerializer.Serialize(new
{
    implementation = dp is null ? "gossipfl" : "gossipfl-dp-sgd",
    model = spec.ToString(),
    data = source,
    dp_clip = dp?.ClipNorm,
    dp_noise = dp?.NoiseMultiplier,
    threads,
    samples,
    batch,
    parameters = model.ParameterCount,
    epoch_seconds_median = median,
    samples_per_second = samples / median,
    get_parameters_us = getSeconds * 1e6,
    set_parameters_us = setSeconds * 1e6,
    memcpy_us = copySeconds * 1e6,
    torch = TorchRuntime.TorchVersion,
    blas = TorchRuntime.BlasLibrary,
}));
return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static double Time(Action action, int rounds)
{
    action();
    var runs = new List<double>();
    for (var i = 0; i < rounds; i++)
    {
        var clock = Stopwatch.StartNew();
        action();
        runs.Add(clock.Elapsed.TotalSeconds);
    }

    return Median(runs);
}
