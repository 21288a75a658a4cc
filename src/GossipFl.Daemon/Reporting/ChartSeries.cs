namespace GossipFl.Daemon.Reporting;

/// <summary>One line of a chart; an emphasised series (e.g. the mean over peers) is drawn thick and dark.</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, bool Emphasis = false);
