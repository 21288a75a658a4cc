using System.Diagnostics;
using System.Globalization;

namespace GossipFl.Bench.Topology;

/// <summary>
/// Times an action: a few warm-up runs (JIT, tiering), then the median of the measured repeats, which is
/// robust to the odd GC pause or scheduler hiccup on a shared 2-core machine.
/// </summary>
internal static class Measure
{
    public static TimeSpan Median(int warmups, int repeats, Action action)
    {
        for (var i = 0; i < warmups; i++)
        {
            action();
        }

        var samples = new double[repeats];
        for (var i = 0; i < repeats; i++)
        {
            var started = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(samples);
        return TimeSpan.FromMilliseconds(samples[repeats / 2]);
    }

    public static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString(time.TotalMilliseconds < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";
}
