using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GossipFl.Daemon.Tests.Transport;

/// <summary>
/// A user-space UDP relay on loopback that impairs traffic by a seeded schedule (shared/design/TESTING.md: the kernel
/// here has no netem). A client talks to <see cref="FrontEndPoint"/> as if it were the target; the relay forwards to
/// the target from its back socket and relays answers to the last client address. Each datagram, in either
/// direction, is dropped, duplicated or held back (so later ones overtake it) with the given probabilities. It can
/// also record what passes (copies), for the fuzz test, and black out completely (a partition) while
/// <see cref="Blackout"/> is set. Runs on its own thread until disposed or its lifetime ends.
/// </summary>
internal sealed class ImpairmentRelay : IDisposable
{
    private readonly Socket _front;
    private readonly Socket _back;
    private readonly IPEndPoint _target;
    private readonly Random _random;
    private readonly double _drop;
    private readonly double _duplicate;
    private readonly double _delay;
    private readonly int _maxDelayMicros;
    private readonly Thread _thread;
    private readonly PriorityQueue<(byte[] Data, bool ToTarget), long> _held = new();
    private readonly List<byte[]>? _recorded;
    private readonly long _endAt;
    private EndPoint? _client;
    private volatile bool _stop;
    private volatile bool _blackout;

    public ImpairmentRelay(IPEndPoint target, int seed, double drop, double duplicate, double delay, int maxDelayMicros, bool record = false, TimeSpan? lifetime = null)
    {
        _target = target;
        _random = new Random(seed);
        (_drop, _duplicate, _delay, _maxDelayMicros) = (drop, duplicate, delay, maxDelayMicros);
        _recorded = record ? [] : null;
        _front = NewSocket();
        _back = NewSocket();
        _endAt = Stopwatch.GetTimestamp() + (long)((lifetime ?? TimeSpan.FromMinutes(3)).TotalSeconds * Stopwatch.Frequency);
        _thread = new Thread(Run) { IsBackground = true, Name = "impairment-relay" };
        _thread.Start();
    }

    public IPEndPoint FrontEndPoint => (IPEndPoint)_front.LocalEndPoint!;

    /// <summary>While set, every datagram in either direction is dropped, as across a partition.</summary>
    public bool Blackout
    {
        get => _blackout;
        set => _blackout = value;
    }

    public long Forwarded { get; private set; }

    public long Dropped { get; private set; }

    public long Duplicated { get; private set; }

    public long Delayed { get; private set; }

    /// <summary>Copies of every datagram received from the client (toward the target), in arrival order.</summary>
    public IReadOnlyList<byte[]> RecordedTowardTarget
    {
        get
        {
            lock (_recorded!)
            {
                return [.. _recorded];
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(5));
        _front.Dispose();
        _back.Dispose();
    }

    private static Socket NewSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = 8 * 1024 * 1024,
            SendBufferSize = 8 * 1024 * 1024,
        };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private void Run()
    {
        var buffer = new byte[65536];
        while (!_stop && Stopwatch.GetTimestamp() < _endAt)
        {
            var busy = false;
            while (_front.Available > 0)
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                var length = _front.ReceiveFrom(buffer, ref from);
                _client = from;
                var data = buffer.AsSpan(0, length).ToArray();
                if (_recorded is not null)
                {
                    lock (_recorded)
                    {
                        _recorded.Add(data);
                    }
                }

                Impair(data, toTarget: true);
                busy = true;
            }

            while (_back.Available > 0)
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                var length = _back.ReceiveFrom(buffer, ref from);
                Impair(buffer.AsSpan(0, length).ToArray(), toTarget: false);
                busy = true;
            }

            var now = Stopwatch.GetTimestamp();
            while (_held.TryPeek(out var item, out var due) && due <= now)
            {
                _held.Dequeue();
                Forward(item.Data, item.ToTarget);
                busy = true;
            }

            if (!busy)
            {
                if (_held.Count > 0)
                {
                    Thread.Yield();
                }
                else
                {
                    _front.Poll(1000, SelectMode.SelectRead);
                }
            }
        }
    }

    private void Impair(byte[] data, bool toTarget)
    {
        var roll = _random.NextDouble();
        if (_blackout || roll < _drop)
        {
            Dropped++;
            return;
        }

        var copies = roll < _drop + _duplicate ? 2 : 1;
        Duplicated += copies - 1;
        for (var i = 0; i < copies; i++)
        {
            if (_random.NextDouble() < _delay)
            {
                Delayed++;
                var due = Stopwatch.GetTimestamp() + (_random.Next(50, _maxDelayMicros) * Stopwatch.Frequency / 1_000_000);
                _held.Enqueue((data, toTarget), due);
            }
            else
            {
                Forward(data, toTarget);
            }
        }
    }

    private void Forward(byte[] data, bool toTarget)
    {
        if (toTarget)
        {
            _back.SendTo(data, _target);
        }
        else if (_client is not null)
        {
            _front.SendTo(data, _client);
        }

        Forwarded++;
    }
}
