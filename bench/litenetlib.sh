#!/usr/bin/env bash
# LiteNetLib 2.1.5 against the GossipFl transport on loopback, rounds alternating in one session (docs/benchmarks.md,
# "Dependency re-checks"). LiteNetLib is not a dependency: its side is a throw-away console project written to a
# temporary directory under /tmp and deleted on exit, so re-measuring the decision in docs/architecture.md needs
# nothing but this script.
# Usage: bench/litenetlib.sh [SIZE_MIB] [ROUNDS]   (defaults 50 MiB, 3 rounds)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=${1:-50}
rounds=${2:-3}
scratch=$(mktemp -d /tmp/gossipfl-litenetlib.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

dotnet build "$root/bench/GossipFl.Bench.Transport" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
ours="$root/artifacts/bin/GossipFl.Bench.Transport/release/GossipFl.Bench.Transport.dll"

cat >"$scratch/LnlBench.csproj" <<'EOF'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="LiteNetLib" Version="2.1.5" />
  </ItemGroup>
</Project>
EOF
cat >"$scratch/Program.cs" <<'EOF'
using System.Diagnostics;
using System.Globalization;
using System.Net;
using LiteNetLib;

// Usage: LnlBench <sizeMiB> <rounds> <mode>[,<mode>...]   modes: defaults | update1 | update1-mtu1432
// One message of sizeMiB sent ReliableOrdered over 127.0.0.1, timed from Send until the receiver holds every byte.
var invariant = CultureInfo.InvariantCulture;
var sizeMiB = args.Length > 0 ? int.Parse(args[0], invariant) : 50;
var rounds = args.Length > 1 ? int.Parse(args[1], invariant) : 3;
var modes = (args.Length > 2 ? args[2] : "defaults,update1-mtu1432").Split(',');
var payload = new byte[sizeMiB * 1024 * 1024];
new Random(1).NextBytes(payload);
var results = modes.ToDictionary(m => m, _ => new List<double>());

for (var round = 1; round <= rounds; round++)
{
    foreach (var mode in modes)
    {
        var rate = Transfer(mode);
        results[mode].Add(rate);
        Console.Error.WriteLine(string.Create(invariant, $"lnl: round {round} {mode}: {rate:F1} MiB/s"));
    }
}

foreach (var (mode, values) in results)
{
    var sorted = values.Order().ToArray();
    Console.WriteLine(string.Create(invariant,
        $"{{\"implementation\":\"litenetlib-{mode}\",\"mebibytes\":{sizeMiB},\"rounds\":{values.Count},\"median_mib_per_s\":{sorted[sorted.Length / 2]:F1},\"all\":[{string.Join(",", values.Select(v => v.ToString("F1", invariant)))}]}}"));
}

return 0;

double Transfer(string mode)
{
    var serverListener = new EventBasedNetListener();
    var clientListener = new EventBasedNetListener();
    var server = Configure(new NetManager(serverListener), mode);
    var client = Configure(new NetManager(clientListener), mode);
    byte[]? received = null;
    var done = new ManualResetEventSlim();
    var connected = new ManualResetEventSlim();
    serverListener.ConnectionRequestEvent += request => request.AcceptIfKey("bench");
    serverListener.NetworkReceiveEvent += (peer, reader, channel, method) =>
    {
        received = reader.GetRemainingBytes();
        reader.Recycle();
        done.Set();
    };
    clientListener.PeerConnectedEvent += _ => connected.Set();
    if (!server.Start(IPAddress.Loopback, IPAddress.IPv6Loopback, 0) || !client.Start(IPAddress.Loopback, IPAddress.IPv6Loopback, 0))
    {
        throw new InvalidOperationException("could not start");
    }

    var peer = client.Connect(new IPEndPoint(IPAddress.Loopback, server.LocalPort), "bench");
    if (!connected.Wait(TimeSpan.FromSeconds(10)))
    {
        throw new TimeoutException("no connection");
    }

    var watch = Stopwatch.StartNew();
    peer.Send(payload, DeliveryMethod.ReliableOrdered);
    if (!done.Wait(TimeSpan.FromSeconds(180)))
    {
        throw new TimeoutException($"{mode}: transfer not complete after 180 s");
    }

    var elapsed = watch.Elapsed;
    if (!received.AsSpan().SequenceEqual(payload))
    {
        throw new InvalidDataException("received bytes differ from those sent");
    }

    Console.Error.WriteLine($"lnl:   {mode}: mtu {peer.Mtu}, library-counted packet loss {peer.Statistics.PacketLoss}, elapsed {elapsed.TotalSeconds:F2} s");
    client.Stop();
    server.Stop();
    return payload.Length / 1024.0 / 1024.0 / elapsed.TotalSeconds;
}

static NetManager Configure(NetManager manager, string mode)
{
    // Events on the library's own thread, so the figure does not depend on how often this program polls.
    manager.UnsyncedEvents = true;
    manager.EnableStatistics = true;
    manager.DisconnectTimeout = 60_000;
    if (mode.StartsWith("update1", StringComparison.Ordinal))
    {
        manager.UpdateTime = 1;
    }

    if (mode.EndsWith("mtu1432", StringComparison.Ordinal))
    {
        // 1432 is the library's largest packet (NetConstants.MaxPacketSize); larger overrides crash its logic thread.
        manager.MtuOverride = 1432;
    }

    return manager;
}
EOF
dotnet build "$scratch" -c Release -nologo -v quiet -clp:ErrorsOnly -o "$scratch/out" >&2

echo "bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq 1 "$rounds"); do
  echo "bench: round $round" >&2
  dotnet "$ours" loopback "$size" 1 1200,65507
  dotnet "$scratch/out/LnlBench.dll" "$size" 1 defaults,update1-mtu1432
done
echo "bench: load after $(cut -d' ' -f1-3 /proc/loadavg)" >&2
