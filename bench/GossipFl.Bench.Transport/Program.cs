using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GossipFl.Bench.Transport;
using GossipFl.Daemon.Security;
using GossipFl.Daemon.Transport;

// Usage: GossipFl.Bench.Transport <label> <sizeMB> <rounds> <datagram>[,<datagram>...] [netnsA addrA netnsB addrB]
// Without namespaces both ends are on 127.0.0.1. Each round runs TCP, then our transport at each datagram size, on
// the same path, and checks the received bytes are identical; medians over rounds are printed as JSON lines.
var invariant = CultureInfo.InvariantCulture;
var label = args.Length > 0 ? args[0] : "loopback";
var sizeMb = args.Length > 1 ? int.Parse(args[1], invariant) : 50;
var rounds = args.Length > 2 ? int.Parse(args[2], invariant) : 3;
var datagrams = (args.Length > 3 ? args[3] : "1200").Split(',').Select(s => int.Parse(s, invariant)).ToArray();
var (netnsA, addressA, netnsB, addressB) = args.Length > 7
    ? (args[4], IPAddress.Parse(args[5]), args[6], IPAddress.Parse(args[7]))
    : ((string?)null, IPAddress.Loopback, (string?)null, IPAddress.Loopback);

var payload = GC.AllocateUninitializedArray<byte>(sizeMb * 1024 * 1024);
new Random(1).NextBytes(payload);
var results = new Dictionary<string, List<double>>();
var cpuCosts = new Dictionary<string, List<double>>();

for (var round = 1; round <= rounds; round++)
{
    Record("tcp", await Measured(TcpAsync));
    foreach (var datagram in datagrams)
    {
        Record($"gossipfl-udp-{datagram}", await Measured(() => UdpAsync(datagram)));
    }
}

var tcp = Median(results["tcp"]);
foreach (var (name, values) in results)
{
    Console.WriteLine(string.Create(invariant,
        $"{{\"path\":\"{label}\",\"implementation\":\"{name}\",\"megabytes\":{sizeMb},\"rounds\":{values.Count},\"median_mb_per_s\":{Median(values):F1},\"vs_tcp\":{Median(values) / tcp:F3},\"median_cpu_ms_per_mb\":{Median(cpuCosts[name]):F2}}}"));
}

return 0;

void Record(string name, (double MegabytesPerSecond, double CpuMillisecondsPerMegabyte) figures)
{
    Console.Error.WriteLine(string.Create(invariant, $"bench: {label} {name}: {figures.MegabytesPerSecond:F1} MB/s, {figures.CpuMillisecondsPerMegabyte:F2} CPU ms/MB"));
    (results.TryGetValue(name, out var list) ? list : results[name] = []).Add(figures.MegabytesPerSecond);
    (cpuCosts.TryGetValue(name, out var costs) ? costs : cpuCosts[name] = []).Add(figures.CpuMillisecondsPerMegabyte);
}

// CPU time of the whole process (user + system, both ends and every thread) per MB moved during the transfer: less
// sensitive to other work on the machine than wall-clock throughput. The transfer functions return the CPU time
// their timed part used, so set-up and the byte comparison are not counted.
async Task<(double, double)> Measured(Func<Task<(double Rate, TimeSpan Cpu)>> transfer)
{
    var (rate, cpu) = await transfer();
    return (rate, cpu.TotalMilliseconds / (payload.Length / 1024.0 / 1024.0));
}

static TimeSpan ProcessCpu() => ProcessorTime.Now();

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

double Rate(TimeSpan elapsed) => payload.Length / 1024.0 / 1024.0 / elapsed.TotalSeconds;

async Task<(double, TimeSpan)> TcpAsync()
{
    using var listener = Namespaces.In(netnsB, () => new Socket(addressB.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
    listener.Bind(new IPEndPoint(addressB, 0));
    listener.Listen(1);
    using var client = Namespaces.In(netnsA, () => new Socket(addressA.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
    client.NoDelay = true;
    await client.ConnectAsync(listener.LocalEndPoint!).WaitAsync(TimeSpan.FromSeconds(10));
    using var server = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
    var received = new byte[payload.Length];
    var cpuBefore = ProcessCpu();
    var watch = Stopwatch.StartNew();
    var reader = Task.Run(() =>
    {
        var total = 0;
        while (total < received.Length)
        {
            var n = server.Receive(received.AsSpan(total));
            if (n == 0)
            {
                throw new IOException("TCP connection closed early");
            }

            total += n;
        }
    });
    var sent = 0;
    while (sent < payload.Length)
    {
        sent += client.Send(payload.AsSpan(sent, Math.Min(1 << 16, payload.Length - sent)));
    }

    await reader.WaitAsync(TimeSpan.FromSeconds(120));
    var elapsed = watch.Elapsed;
    var cpu = ProcessCpu() - cpuBefore;
    Check(received);
    return (Rate(elapsed), cpu);
}

async Task<(double, TimeSpan)> UdpAsync(int datagram)
{
    UdpTransportOptions Options(string name, string peer, string? netns, IPAddress address) => new()
    {
        NodeName = name,
        TrustPolicy = StaticTrustPolicy.Of(peer),
        Identity = NodeIdentity.CreateEphemeral(),
        LocalEndPoint = new IPEndPoint(address, 0),
        MaxDatagramSize = datagram,
        SocketFactory = family => Namespaces.In(netns, () => new Socket(family, SocketType.Dgram, ProtocolType.Udp)),
    };

    await using var a = new UdpTransport(Options("alpha", "beta", netnsA, addressA));
    await using var b = new UdpTransport(Options("beta", "alpha", netnsB, addressB));
    await a.StartAsync();
    await b.StartAsync();

    // Session set-up and JIT are not part of the figure.
    await a.SendAsync(b.LocalEndPoint, "beta", payload.AsMemory(0, 1 << 20), TimeSpan.FromSeconds(30)).WaitAsync(TimeSpan.FromSeconds(40));
    (await b.Incoming.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(40))).Dispose();

    var cpuBefore = ProcessCpu();
    var watch = Stopwatch.StartNew();
    await a.SendAsync(b.LocalEndPoint, "beta", payload, TimeSpan.FromSeconds(120)).WaitAsync(TimeSpan.FromSeconds(130));
    using var message = await b.Incoming.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(130));
    var elapsed = watch.Elapsed;
    var cpu = ProcessCpu() - cpuBefore;
    Check(message.Payload.Span);
    Console.Error.WriteLine($"bench:   sender {a.Counters}; buffers {a.SocketBuffers}");
    Console.Error.WriteLine($"bench:   receiver {b.Counters}");
    return (Rate(elapsed), cpu);
}

void Check(ReadOnlySpan<byte> received)
{
    if (!received.SequenceEqual(payload))
    {
        throw new InvalidDataException("received bytes differ from those sent");
    }
}
