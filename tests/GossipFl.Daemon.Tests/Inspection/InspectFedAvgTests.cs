using GossipFl.Daemon.Inspection;
using GossipFl.Daemon.Status;
using Spectre.Console;

namespace GossipFl.Daemon.Tests.Inspection;

public sealed class InspectFedAvgTests
{
    [Fact]
    public void TheTable_ShowsWhomEachFedAvgPeerFollowsInWhichTerm()
    {
        var text = Render([Reading("node-b", "node-b", 3), Reading("node-c", "node-b", 3), Reading("node-d", null, 4)]);

        var rows = text.Split('\n');
        Assert.Contains("coordinator (term)", text, StringComparison.Ordinal);
        Assert.Contains(rows, r => r.Contains("node-b", StringComparison.Ordinal) && r.Contains("itself (3)", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("node-c", StringComparison.Ordinal) && r.Contains("node-b (3)", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("node-d", StringComparison.Ordinal) && r.Contains("none (4)", StringComparison.Ordinal));
    }

    [Fact]
    public void GossipPeers_GetNoCoordinatorColumn() =>
        Assert.DoesNotContain("coordinator", Render([Reading("node-a", null, null)]), StringComparison.Ordinal);

    [Fact]
    public void RobustPeers_NameTheirMostClippedPeer_PlainOnesGetNoColumn()
    {
        PeerStatus[] peers = [new("node-z", true, true, null, null, "up", Clipped: 2, Discarded: 9)];
        var robust = new PeerReading(
            new Uri("http://node-a.test:9100/"),
            new NodeStatus("node-a", "dsgd", "training", 7, 0.5, null, 0.7, 1.0, 10, 20, new Dictionary<string, long>(), peers, DateTimeOffset.UtcNow,
                Aggregation: "clipped:auto", MostClipped: "node-z"),
            null, null, DateTimeOffset.UtcNow);

        var text = Render([robust]);

        Assert.Contains("most clipped", text, StringComparison.Ordinal);
        Assert.Contains("node-z (2 clipped, 9 discarded)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("most clipped", Render([Reading("node-a", null, null)]), StringComparison.Ordinal);
    }

    private static string Render(PeerReading[] readings)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 240;
        console.Write(InspectionView.Build(readings));
        return writer.ToString();
    }

    private static PeerReading Reading(string name, string? coordinator, long? term) => new(
        new Uri($"http://{name}.test:9100/"),
        new NodeStatus(name, term is null ? "ops" : "fedavg", "training", 7, 0.5, null, 0.7, 1.0, 10, 20, new Dictionary<string, long>(), [], DateTimeOffset.UtcNow, coordinator, term),
        null, null, DateTimeOffset.UtcNow);
}
