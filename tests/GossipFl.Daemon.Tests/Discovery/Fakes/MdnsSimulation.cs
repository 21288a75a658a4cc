using System.Net;
using System.Globalization;

namespace GossipFl.Daemon.Tests.Discovery.Fakes;

/// <summary>
/// Runs several <see cref="SimNode"/>s on one <see cref="FakeLan"/> in virtual time: always advancing to the next
/// event (a delivery or an engine's due time). Bounded in steps, so a protocol bug that busy-loops fails the test.
/// </summary>
internal sealed class MdnsSimulation : IDisposable
{
    private const int MaxSteps = 1_000_000;

    public FakeLan Lan { get; } = new();

    public List<SimNode> Nodes { get; } = [];

    public TimeSpan Now => Lan.Now;

    public SimNode Add(string? nodeName, int seed, TimeSpan? hostTtl = null, TimeSpan? serviceTtl = null, bool start = true)
    {
        var address = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.9.0.{Nodes.Count + 1}"));
        var node = new SimNode(Lan, address, nodeName, seed, hostTtl, serviceTtl);
        Nodes.Add(node);
        if (start)
        {
            node.Engine.Start(Now);
        }

        return node;
    }

    /// <summary>Removes a node without a goodbye (a crash or a cable pulled).</summary>
    public void Crash(SimNode node)
    {
        node.Link.DropOutgoing = true;
        Lan.Disconnect(node.Link);
        Nodes.Remove(node);
    }

    /// <summary>Stops a node the polite way (goodbye), then removes it.</summary>
    public void Stop(SimNode node)
    {
        node.Engine.Stop(Now);
        Nodes.Remove(node);
    }

    public void RunFor(TimeSpan duration) => RunUntil(() => false, duration);

    /// <summary>Runs until <paramref name="condition"/> holds or <paramref name="limit"/> of virtual time passed;
    /// returns the virtual time it took, or null if it never held.</summary>
    public TimeSpan? RunUntil(Func<bool> condition, TimeSpan limit)
    {
        var start = Now;
        var end = Now + limit;
        for (var step = 0; step < MaxSteps; step++)
        {
            if (condition())
            {
                return Now - start;
            }

            var next = Lan.NextDelivery;
            foreach (var node in Nodes)
            {
                var due = node.Engine.NextDue;
                next = due < next ? due : next;
            }

            if (next > end)
            {
                Lan.Now = end;
                return condition() ? Now - start : null;
            }

            Lan.Now = next > Now ? next : Now;
            Lan.DeliverDue();
            foreach (var node in Nodes.ToList())
            {
                if (node.Engine.NextDue <= Now)
                {
                    node.Engine.Tick(Now);
                }
            }
        }

        throw new InvalidOperationException($"simulation did not settle within {MaxSteps} steps at {Now}");
    }

    public void Dispose()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }
    }
}
