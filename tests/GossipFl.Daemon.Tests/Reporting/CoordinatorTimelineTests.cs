using GossipFl.Daemon.Reporting;
using GossipFl.Learning.Simulation;
using LearningNodeMetrics = GossipFl.Learning.Simulation.NodeMetrics;
using NodeMetrics = GossipFl.Daemon.Reporting.NodeMetrics;

namespace GossipFl.Daemon.Tests.Reporting;

public sealed class CoordinatorTimelineTests
{
    [Fact]
    public void CoordinatorAndTerm_RoundTripThroughMetricsFiles_AndBecomeSpans()
    {
        var directory = Path.Combine(Path.GetTempPath(), "gossipfl-timeline-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var writer = new MetricsWriter(directory))
            {
                for (var round = 0; round < 8; round++)
                {
                    var (coordinator, term) = round < 5 ? ("peer-0", 1L) : ("peer-2", 3L);
                    foreach (var peer in (string[])["peer-1", "peer-2"])
                    {
                        writer.WriteNode(new LearningNodeMetrics(round, peer, null, null, null, 1.0, 0, 0, coordinator, term));
                    }
                }
            }

            var run = MetricsReader.Read(directory);

            Assert.All(run.Nodes, n => Assert.NotNull(n.Coordinator));
            Assert.Equal(
                [new CoordinatorSpan(0, 4, "peer-0", 1), new CoordinatorSpan(5, 7, "peer-2", 3)],
                CoordinatorTimeline.Of(run));
            var summary = ConvergenceSummary.Render(run);
            Assert.Contains("coordinators: rounds 0–4: peer-0 (term 1); rounds 5–7: peer-2 (term 3)", summary, StringComparison.Ordinal);
            var html = HtmlReport.Build(run, null);
            Assert.Contains("<h2>Coordinators</h2>", html, StringComparison.Ordinal);
            Assert.Contains("<tr><td>5–7</td><td>peer-2</td><td>3</td></tr>", html, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void GossipRuns_HaveNoCoordinators()
    {
        var run = new RunMetrics("x", [], [new NodeMetrics(0, "a", 1, null, null, 1, 0, 0)], null);

        Assert.Empty(CoordinatorTimeline.Of(run));
        Assert.DoesNotContain("Coordinators", HtmlReport.Build(run, null), StringComparison.Ordinal);
        Assert.DoesNotContain("coordinators:", ConvergenceSummary.Render(run), StringComparison.Ordinal);
    }

    [Fact]
    public void ADamagedLine_IsOutvotedByThePeersThatAgree()
    {
        NodeMetrics Line(string node, string coordinator) => new(4, node, null, null, null, 1, 0, 0, coordinator, 2);
        var run = new RunMetrics("x", [], [Line("a", "c"), Line("b", "c"), Line("d", "zzz")], null);

        Assert.Equal([new CoordinatorSpan(4, 4, "c", 2)], CoordinatorTimeline.Of(run));
    }
}
