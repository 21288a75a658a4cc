using System.Diagnostics;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// NewReno congestion control as specified for QUIC (RFC 9002 §7 and appendix B): slow start, congestion avoidance,
/// one window reduction per recovery period, a minimum window after persistent timeouts. The reduction factor is
/// 0.7 (CUBIC's beta, RFC 9438 §4.6) rather than 0.5: LAN loss is as often a full socket buffer or random as it is a
/// congested queue, and halving on every such loss starves the link. Pacing (RFC 9002 §7.7) spreads the window over
/// the RTT at 1.25x (2x in slow start) with a small burst allowance, so full-size windows do not overflow buffers.
/// </summary>
internal sealed class CongestionController
{
    private const double Beta = 0.7;
    private readonly int _maxDatagram;
    private readonly long _maxWindow;
    private long _window;
    private long _slowStartThreshold = long.MaxValue;
    private long _recoveryStart;
    private long _avoidanceCredit;
    private double _tokens;
    private long _tokensAt;

    public CongestionController(int maxDatagram, long maxWindow)
    {
        _maxDatagram = maxDatagram;
        _maxWindow = maxWindow;
        _window = InitialWindow;
        _tokens = Burst;
    }

    public long Window => _window;

    public long BytesInFlight { get; private set; }

    public bool InSlowStart => _window < _slowStartThreshold;

    private long InitialWindow => Math.Max(14720, 10L * _maxDatagram);

    private long MinimumWindow => 4L * _maxDatagram;

    // At least one full GSO batch (64 KiB), so pacing does not cut every batch short.
    private double Burst => Math.Max(16.0 * _maxDatagram, 65536);

    public bool HasRoom(long peerWindow) => BytesInFlight + _maxDatagram <= Math.Min(_window, Math.Max(peerWindow, 0));

    /// <summary>Whether pacing allows a packet now; if not, <paramref name="waitTicks"/> says how long until it does.</summary>
    public bool PacingAllows(long now, RttEstimator rtt, out long waitTicks)
    {
        waitTicks = 0;
        if (!rtt.HasSample)
        {
            return true;
        }

        var rate = PacingRate(rtt);
        _tokens = Math.Min(Burst, _tokens + (rate * (now - _tokensAt)));
        _tokensAt = now;
        if (_tokens >= 0)
        {
            return true;
        }

        waitTicks = (long)Math.Ceiling(-_tokens / rate);
        return false;
    }

    public void OnSent(int bytes)
    {
        BytesInFlight += bytes;
        _tokens -= bytes;
    }

    public void OnAcked(int bytes, long sentAt)
    {
        BytesInFlight = Math.Max(0, BytesInFlight - bytes);
        if (sentAt <= _recoveryStart)
        {
            return;
        }

        if (InSlowStart)
        {
            _window = Math.Min(_maxWindow, _window + bytes);
            return;
        }

        _avoidanceCredit += bytes;
        if (_avoidanceCredit >= _window)
        {
            _avoidanceCredit -= _window;
            _window = Math.Min(_maxWindow, _window + _maxDatagram);
        }
    }

    /// <summary>A packet was declared lost; reduces the window once per recovery period.</summary>
    public void OnLost(int bytes, long sentAt, long now)
    {
        BytesInFlight = Math.Max(0, BytesInFlight - bytes);
        if (sentAt <= _recoveryStart)
        {
            return;
        }

        _recoveryStart = now;
        _window = Math.Max(MinimumWindow, (long)(_window * Beta));
        _slowStartThreshold = _window;
        _avoidanceCredit = 0;
    }

    /// <summary>Repeated probe timeouts: the path may have changed completely; start over from the minimum window.</summary>
    public void OnPersistentCongestion(long now)
    {
        _recoveryStart = now;
        _window = MinimumWindow;
    }

    /// <summary>Forgets what was in flight (its packets belong to a session that was replaced).</summary>
    public void ResetInFlight() => BytesInFlight = 0;

    private double PacingRate(RttEstimator rtt)
    {
        var gain = InSlowStart ? 2.0 : 1.25;
        return gain * _window / Math.Max(rtt.Smoothed, Stopwatch.Frequency / 1_000_000);
    }
}
