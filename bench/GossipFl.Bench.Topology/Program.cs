using System.Diagnostics;
using System.Globalization;
using GossipFl.Bench.Topology;
using GossipFl.Topology.Analysis;
using GossipFl.Topology.Files;
using GossipFl.Topology.Generation;
using GossipFl.Topology.Mixing;

// Usage: GossipFl.Bench.Topology [--quick] [--skip-spectral] [--skip-general] [--matrix-dir DIR]
// Prints a Markdown table; with --matrix-dir also writes the 2,000-node mixing matrices as raw little-endian
// float64 so bench/topology.sh can time numpy (LAPACK) on exactly the same matrices as a reference.
var quick = args.Contains("--quick");
var skipSpectral = args.Contains("--skip-spectral");
// The directed (general-solver) case takes minutes; this leaves it out when iterating on the others.
var skipGeneral = args.Contains("--skip-general");
var matrixDir = args.SkipWhile(a => a != "--matrix-dir").Skip(1).FirstOrDefault();
var repeats = quick ? 5 : 21;
var c = CultureInfo.InvariantCulture;

// Other work on a shared machine skews absolute times; the load average is printed so readers can tell.
static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
var loadBefore = LoadAverage();

Console.WriteLine($"| operation | size | median | notes |");
Console.WriteLine($"|---|---|---|---|");

void Row(string operation, string size, TimeSpan time, string notes = "") =>
    Console.WriteLine($"| {operation} | {size} | {Measure.Ms(time)} | {notes} |");

// 1. Generation of a 10,000-node small world (k = 6, p = 0.1).
const int Nodes = 10_000;
var smallWorld = GraphGenerators.Get("small-world");
var swArgs = new GeneratorArguments(smallWorld, new Dictionary<string, double> { ["k"] = 6, ["p"] = 0.1 });
Row("generate small-world (k=6, p=0.1)", "10,000 nodes, 60,000 relations",
    Measure.Median(3, repeats, () => smallWorld.Generate(Nodes, swArgs, 42)));

// 2. Check of a generated-topology file: parse, generate, SCCs, degrees, warnings (what `topology check` does).
var recipe = $"version: 1\ngenerator:\n  name: small-world\n  nodes: {Nodes}\n  seed: 42\n  parameters: {{ k: 6, p: 0.1 }}\n";
Row("check generated file (parse + generate + analyse)", "10,000 nodes",
    Measure.Median(3, repeats, () => TopologyCheck.Run(TopologyFileReader.Parse(recipe))));

// 3. Check of the same graph written out explicitly: YAML parsing of 10,000 trust lists dominates.
var graph = smallWorld.Generate(Nodes, swArgs, 42);
var explicitText = TopologyFileWriter.WriteExplicit(graph);
Row("check explicit file (parse + analyse)", $"10,000 nodes, {explicitText.Length / 1024} KiB",
    Measure.Median(3, repeats, () => TopologyCheck.Run(TopologyFileReader.Parse(explicitText))));

// 4. Structure only on the in-memory graph, for reference.
Row("SCCs (iterative Tarjan)", "10,000 nodes", Measure.Median(3, repeats, () => StronglyConnectedComponents.Compute(graph)));

// 5. Exact diameter: one BFS per node, O(n·m).
Row("exact diameter (64-source bit-parallel BFS)", "10,000 nodes",
    Measure.Median(1, quick ? 1 : 3, () => GraphDistances.Diameter(graph)), $"diameter {GraphDistances.Diameter(graph)}");

// 6. One-way trust generation, for comparison with the symmetric generator.
var oneWay = GraphGenerators.Get("one-way-trust");
var owArgs = new GeneratorArguments(oneWay, new Dictionary<string, double> { ["base_degree"] = 4, ["out_degree"] = 2 });
Row("generate one-way-trust (base 4, out 2)", "10,000 nodes", Measure.Median(3, repeats, () => oneWay.Generate(Nodes, owArgs, 42)));

// 7. Spectral analysis of 2,000-node mixing matrices (dense, MathNet managed provider).
const int SpectralNodes = 2_000;
var sw2k = smallWorld.Generate(SpectralNodes, swArgs, 7);
var ow2k = oneWay.Generate(SpectralNodes, owArgs, 7);
var spectralRepeats = quick ? 1 : 3;
var spectralCases = skipSpectral ? [] : new[]
{
    ("Metropolis-Hastings, small-world", "mh-smallworld", MixingWeights.MetropolisHastings(sw2k)),
    ("push-sum, small-world", "pushsum-smallworld", MixingWeights.PushSum(sw2k)),
    ("push-sum, one-way-trust (directed)", "pushsum-onewaytrust", MixingWeights.PushSum(ow2k)),
};
foreach (var (label, file, matrix) in spectralCases)
{
    if (skipGeneral && file == "pushsum-onewaytrust")
    {
        continue;
    }

    SpectralResult? result = null;
    var time = Measure.Median(0, spectralRepeats, () => result = SpectralAnalysis.Analyze(matrix, SpectralNodes));
    Row($"spectral gap: {label}", "2,000 nodes", time, string.Create(c, $"{result!.Method} method; SLEM {result.Slem:0.000000}, gap {result.SpectralGap:0.000000}"));
    if (matrixDir is not null)
    {
        Directory.CreateDirectory(matrixDir);
        var dense = matrix.ToDense().ToRowMajorArray();
        var bytes = new byte[dense.Length * sizeof(double)];
        for (var i = 0; i < dense.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), dense[i]);
        }

        File.WriteAllBytes(Path.Combine(matrixDir, file + "-2000.f64"), bytes);
    }
}

Console.WriteLine();
Console.WriteLine($"runtime: .NET {Environment.Version}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; "
    + $"median of {repeats} runs after warm-up (diameter and spectra: {spectralRepeats}); load average {loadBefore} before, {LoadAverage()} after");
return 0;
