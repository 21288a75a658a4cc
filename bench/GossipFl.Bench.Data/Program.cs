using System.Diagnostics;
using System.Globalization;
using System.Text;
using GossipFl.Learning.Data;
using GossipFl.Topology.Files;

// Two commands, run as separate processes so the load's peak memory is its own:
//   GossipFl.Bench.Data generate PATH ROWS   writes ROWS rows of 28 features and a 0/1 label (seeded, 7 decimals)
//   GossipFl.Bench.Data load PATH            loads PATH with LocalData.Load for a [28]-input, 2-class task and
//                                            prints one JSON line: sizes, time and the process's peak RSS (VmHWM)
//   GossipFl.Bench.Data legacy PATH          the same with CsvDataset.Load (--dataset x.csv), which grows a list:
//                                            the reference the two-pass reader is compared against
const int Features = 28;
var culture = CultureInfo.InvariantCulture;
if (args.Length == 3 && args[0] == "generate")
{
    var rows = long.Parse(args[2], culture);
    var random = new Random(1);
    using var writer = new StreamWriter(args[1], append: false, new UTF8Encoding(false), 1 << 20);
    writer.WriteLine(string.Join(",", Enumerable.Range(1, Features).Select(i => $"f{i}")) + ",label");
    var line = new StringBuilder();
    for (long r = 0; r < rows; r++)
    {
        line.Clear();
        for (var f = 0; f < Features; f++)
        {
            line.Append((random.NextDouble() * 4 - 2).ToString("F7", culture)).Append(',');
        }

        line.Append(random.Next(2));
        writer.WriteLine(line);
    }

    return 0;
}

if (args.Length == 2 && args[0] is "load" or "legacy")
{
    var task = new TaskDeclaration([Features], ["background", "signal"]);
    var clock = Stopwatch.StartNew();
    var data = args[0] == "load" ? LocalData.Load(args[1], task) : CsvDataset.Load(args[1]);
    var seconds = clock.Elapsed.TotalSeconds;
    var fileBytes = new FileInfo(args[1]).Length;
    var floatBytes = data.Features.LongLength * sizeof(float);
    var labelBytes = data.Labels.LongLength * sizeof(long);
    var peak = PeakResidentBytes();
    Console.WriteLine(string.Create(
        culture,
        $"{{\"reader\":\"{args[0]}\",\"rows\":{data.Count},\"file_bytes\":{fileBytes},\"float_bytes\":{floatBytes},\"label_bytes\":{labelBytes},\"seconds\":{seconds:F1},\"peak_rss_bytes\":{peak},\"peak_over_file\":{(double)peak / fileBytes:F3},\"peak_over_floats\":{(double)peak / floatBytes:F3}}}"));
    return 0;
}

Console.Error.WriteLine("usage: GossipFl.Bench.Data generate PATH ROWS | load PATH | legacy PATH");
return 2;

// VmHWM, the resident set's high-water mark, from /proc/self/status (in kB).
static long PeakResidentBytes()
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
}
