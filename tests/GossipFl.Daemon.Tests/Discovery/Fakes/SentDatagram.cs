using System.Net;
using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Tests.Discovery.Fakes;

/// <summary>One datagram a fake link sent: when, by whom, to where (null: multicast).</summary>
internal sealed record SentDatagram(TimeSpan At, FakeLink From, byte[] Data, IPEndPoint? Destination)
{
    public DnsMessage Message
    {
        get
        {
            Assert.True(DnsMessage.TryRead(Data, out var message, out var reason), $"we sent a datagram we cannot read: {reason}");
            return message;
        }
    }

    public bool IsProbe => Message is { IsResponse: false, Authorities.Count: > 0 };
}
