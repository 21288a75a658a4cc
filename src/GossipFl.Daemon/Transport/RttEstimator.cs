using System.Diagnostics;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// Round-trip time estimate of RFC 9002 §5 (smoothed RTT and variation as in RFC 6298, with the peer's ack delay
/// subtracted when that does not go below the minimum). Times are in <see cref="Stopwatch"/> ticks.
/// </summary>
internal sealed class RttEstimator
{
    private static readonly long Granularity = Stopwatch.Frequency / 1000;
    private static readonly long Initial = Stopwatch.Frequency / 10;

    public bool HasSample { get; private set; }

    public long Latest { get; private set; } = Initial;

    public long Smoothed { get; private set; } = Initial;

    public long Variation { get; private set; } = Initial / 2;

    public long Minimum { get; private set; } = long.MaxValue;

    /// <summary>Probe timeout: smoothed + max(4 variation, 1 ms) + the peer's maximum ack delay.</summary>
    public long ProbeTimeout(long maxAckDelay) => Smoothed + Math.Max(4 * Variation, Granularity) + maxAckDelay;

    /// <summary>Time after which an unacknowledged packet below the largest acknowledged is lost: 9/8 of the RTT.</summary>
    public long LossDelay => Math.Max(Math.Max(Latest, Smoothed) * 9 / 8, Granularity);

    public void Update(long sample, long ackDelay)
    {
        if (sample <= 0)
        {
            sample = 1;
        }

        Latest = sample;
        Minimum = Math.Min(Minimum, sample);
        if (!HasSample)
        {
            HasSample = true;
            Smoothed = sample;
            Variation = sample / 2;
            return;
        }

        var adjusted = sample - ackDelay >= Minimum ? sample - ackDelay : sample;
        Variation = ((3 * Variation) + Math.Abs(Smoothed - adjusted)) / 4;
        Smoothed = ((7 * Smoothed) + adjusted) / 8;
    }
}
