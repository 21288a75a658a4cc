using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using GossipFl.Daemon.Security;
using GossipFl.Daemon.Transport;

namespace GossipFl.Daemon.Tests.Transport;

/// <summary>Builds transports for tests: loopback by default, identity mode unless a pre-shared key is given.</summary>
internal static class TransportHarness
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    public static UdpTransportOptions Options(
        string name,
        IPeerTrustPolicy trust,
        NodeIdentity? identity = null,
        byte[]? psk = null,
        int maxDatagram = 1200,
        IPEndPoint? bind = null,
        Func<AddressFamily, Socket>? socketFactory = null) => new()
        {
            NodeName = name,
            TrustPolicy = trust,
            Identity = psk is null ? identity ?? NodeIdentity.CreateEphemeral() : null,
            PreSharedKey = psk,
            MaxDatagramSize = maxDatagram,
            LocalEndPoint = bind ?? new IPEndPoint(IPAddress.Loopback, 0),
            SocketFactory = socketFactory,
        };

    public static async Task<UdpTransport> StartAsync(UdpTransportOptions options)
    {
        var transport = new UdpTransport(options);
        await transport.StartAsync();
        return transport;
    }

    /// <summary>Two transports that trust each other.</summary>
    public static async Task<(UdpTransport A, UdpTransport B)> PairAsync(int maxDatagram = 1200, byte[]? psk = null)
    {
        var a = await StartAsync(Options("alpha", StaticTrustPolicy.Of("beta"), psk: psk, maxDatagram: maxDatagram));
        var b = await StartAsync(Options("beta", StaticTrustPolicy.Of("alpha"), psk: psk, maxDatagram: maxDatagram));
        return (a, b);
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(length);
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static async Task<ReceivedMessage> ReceiveAsync(UdpTransport transport, TimeSpan? wait = null) =>
        await transport.Incoming.ReadAsync().AsTask().WaitAsync(wait ?? Wait);

    public static void AssertSameBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.SequenceEqual(actual), $"payloads differ (SHA-256 {Convert.ToHexString(SHA256.HashData(expected))[..12]} vs {Convert.ToHexString(SHA256.HashData(actual))[..12]})");
    }
}
