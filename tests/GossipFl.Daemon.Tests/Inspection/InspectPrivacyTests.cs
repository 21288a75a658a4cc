using System.Text.Json;
using GossipFl.Daemon.Inspection;
using GossipFl.Daemon.Status;
using Spectre.Console;

namespace GossipFl.Daemon.Tests.Inspection;

/// <summary>How a node's peer-level DP spending shows in inspect, /status JSON and /metrics.</summary>
public sealed class InspectPrivacyTests
{
    [Fact]
    public void PrivatePeers_ShowEpsilonAtDelta_AndWhetherTheBudgetStoppedThem_PlainOnesGetNoColumn()
    {
        var text = Render([Reading("node-a", 2.345, stopped: false), Reading("node-b", null, stopped: true)]);

        var rows = text.Split('\n');
        Assert.Contains("ε (δ)", text, StringComparison.Ordinal);
        Assert.Contains(rows, r => r.Contains("node-a", StringComparison.Ordinal) && r.Contains("2.35 (1E-05)", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("node-b", StringComparison.Ordinal) && r.Contains("∞ (1E-05) stopped", StringComparison.Ordinal));
        Assert.DoesNotContain("ε (δ)", Render([Plain("node-c")]), StringComparison.Ordinal);
    }

    [Fact]
    public void StatusJsonAndPrometheusText_CarryEpsilonDeltaRoundsAndTheStop()
    {
        var status = Reading("node-a", 2.5, stopped: true).Status!;

        var json = JsonDocument.Parse(JsonSerializer.Serialize(status, StatusServer.Json)).RootElement;
        Assert.Equal(2.5, json.GetProperty("epsilon").GetDouble());
        Assert.Equal(1e-5, json.GetProperty("delta").GetDouble());
        Assert.Equal(12, json.GetProperty("private_rounds").GetInt64());
        Assert.True(json.GetProperty("privacy_stopped").GetBoolean());

        var metrics = PrometheusText.Render(status, DateTimeOffset.UtcNow);
        Assert.Contains("gossipfl_privacy_epsilon{node=\"node-a\"} 2.5\n", metrics, StringComparison.Ordinal);
        Assert.Contains("gossipfl_privacy_delta{node=\"node-a\"} 1E-05\n", metrics, StringComparison.Ordinal);
        Assert.Contains("gossipfl_privacy_rounds_total{node=\"node-a\"} 12\n", metrics, StringComparison.Ordinal);
        Assert.Contains("gossipfl_privacy_stopped{node=\"node-a\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("gossipfl_privacy", PrometheusText.Render(Plain("node-c").Status!, DateTimeOffset.UtcNow), StringComparison.Ordinal);
    }

    private static string Render(PeerReading[] readings)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 240;
        console.Write(InspectionView.Build(readings));
        return writer.ToString();
    }

    private static PeerReading Reading(string name, double? epsilon, bool stopped) => new(
        new Uri($"http://{name}.test:9100/"),
        new NodeStatus(name, "ops", "training", 7, 0.5, null, 0.7, 1.0, 10, 20, new Dictionary<string, long>(), [], DateTimeOffset.UtcNow,
            Epsilon: epsilon, Delta: 1e-5, PrivateRounds: 12, EpsilonBudget: 3, PrivacyStopped: stopped),
        null, null, DateTimeOffset.UtcNow);

    private static PeerReading Plain(string name) => new(
        new Uri($"http://{name}.test:9100/"),
        new NodeStatus(name, "ops", "training", 7, 0.5, null, 0.7, 1.0, 10, 20, new Dictionary<string, long>(), [], DateTimeOffset.UtcNow),
        null, null, DateTimeOffset.UtcNow);
}
