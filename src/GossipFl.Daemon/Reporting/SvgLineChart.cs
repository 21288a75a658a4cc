using System.Globalization;
using System.Net;
using System.Text;

namespace GossipFl.Daemon.Reporting;

/// <summary>
/// Renders line charts as inline SVG: the report needs no script, no network and no library to be viewed,
/// and the markup can be checked in tests. Every line carries a &lt;title&gt;, which browsers show on hover.
/// </summary>
internal static class SvgLineChart
{
    private const int Width = 760;
    private const int Height = 320;
    private const int Left = 64;
    private const int Right = 150;
    private const int Top = 34;
    private const int Bottom = 44;

    private static readonly double[] NiceMultiples = [1, 2, 5, 10];

    private static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public static string Render(string id, string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, bool logY = false)
    {
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y) && (!logY || p.Y > 0)).ToArray();
        var svg = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        svg.Append(c, $"<svg class=\"chart\" id=\"{id}\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{Encode(title)}\">");
        svg.Append(c, $"<text class=\"chart-title\" x=\"{Left}\" y=\"20\">{Encode(title)}</text>");
        if (points.Length == 0)
        {
            svg.Append(c, $"<text x=\"{Left}\" y=\"{Height / 2}\" class=\"empty\">no data recorded</text></svg>");
            return svg.ToString();
        }

        var (xMin, xMax) = Range(points.Select(p => p.X));
        var transform = logY ? Math.Log10 : (Func<double, double>)(y => y);
        var (yMin, yMax) = Range(points.Select(p => transform(p.Y)));
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double X(double x) => Left + ((x - xMin) / (xMax - xMin) * plotWidth);
        double Y(double y) => Top + plotHeight - ((transform(y) - yMin) / (yMax - yMin) * plotHeight);

        svg.Append(c, $"<rect class=\"plot\" x=\"{Left}\" y=\"{Top}\" width=\"{plotWidth}\" height=\"{plotHeight}\"/>");
        foreach (var tick in Ticks(xMin, xMax))
        {
            var x = X(tick);
            svg.Append(c, $"<line class=\"grid\" x1=\"{x:0.#}\" y1=\"{Top}\" x2=\"{x:0.#}\" y2=\"{Top + plotHeight}\"/>");
            svg.Append(c, $"<text class=\"tick\" x=\"{x:0.#}\" y=\"{Top + plotHeight + 16}\" text-anchor=\"middle\">{Label(tick)}</text>");
        }

        foreach (var tick in logY ? LogTicks(yMin, yMax) : Ticks(yMin, yMax))
        {
            var y = Top + plotHeight - ((tick - yMin) / (yMax - yMin) * plotHeight);
            svg.Append(c, $"<line class=\"grid\" x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Left + plotWidth}\" y2=\"{y:0.#}\"/>");
            svg.Append(c, $"<text class=\"tick\" x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Label(logY ? Math.Pow(10, tick) : tick)}</text>");
        }

        svg.Append(c, $"<text class=\"axis\" x=\"{Left + (plotWidth / 2)}\" y=\"{Height - 8}\" text-anchor=\"middle\">{Encode(xLabel)}</text>");
        svg.Append(c, $"<text class=\"axis\" transform=\"translate(16 {Top + (plotHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">{Encode(yLabel + (logY ? " (log)" : ""))}</text>");

        var legendY = Top + 4;
        for (var s = 0; s < series.Count; s++)
        {
            var line = series[s];
            var color = line.Emphasis ? "#111" : Palette[s % Palette.Length];
            var width = line.Emphasis ? 3 : series.Count > 12 ? 1 : 1.6;
            var path = string.Join(' ', line.Points.Where(p => double.IsFinite(p.Y) && (!logY || p.Y > 0))
                .Select((p, i) => string.Create(c, $"{(i == 0 ? 'M' : 'L')}{X(p.X):0.##},{Y(p.Y):0.##}")));
            if (path.Length == 0)
            {
                continue;
            }

            svg.Append(c, $"<path class=\"series\" data-series=\"{Encode(line.Name)}\" d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\"><title>{Encode(line.Name)}</title></path>");
            if (line.Emphasis || series.Count <= 16)
            {
                legendY += 16;
                svg.Append(c, $"<line x1=\"{Width - Right + 12}\" y1=\"{legendY - 4}\" x2=\"{Width - Right + 30}\" y2=\"{legendY - 4}\" stroke=\"{color}\" stroke-width=\"{width}\"/>");
                svg.Append(c, $"<text class=\"legend\" x=\"{Width - Right + 34}\" y=\"{legendY}\">{Encode(Shorten(line.Name))}</text>");
            }
        }

        if (series.Count > 16)
        {
            svg.Append(c, $"<text class=\"legend\" x=\"{Width - Right + 12}\" y=\"{legendY + 18}\">+ {series.Count(s => !s.Emphasis)} peers</text>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static (double Min, double Max) Range(IEnumerable<double> values)
    {
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        foreach (var v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        if (min == max)
        {
            // A flat series still needs a visible band around it.
            var pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            return (min - pad, max + pad);
        }

        return (min, max);
    }

    /// <summary>About five "nice" ticks (1, 2 or 5 times a power of ten) inside [min, max].</summary>
    private static IEnumerable<double> Ticks(double min, double max)
    {
        var rough = (max - min) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = NiceMultiples.Select(m => m * magnitude).First(s => s >= rough);
        for (var tick = Math.Ceiling(min / step) * step; tick <= max + (step * 1e-9); tick += step)
        {
            yield return Math.Abs(tick) < step * 1e-9 ? 0 : tick;
        }
    }

    /// <summary>
    /// Ticks for a log axis, given in log10 units: 1, 2 and 5 times powers of ten that fall in the range, thinned
    /// to decades when there are many; a range inside one such step falls back to linear ticks of the logs.
    /// </summary>
    private static IEnumerable<double> LogTicks(double min, double max)
    {
        var candidates = new List<double>();
        for (var decade = Math.Floor(min); decade <= Math.Ceiling(max); decade++)
        {
            foreach (var multiple in NiceMultiples[..3])
            {
                var tick = decade + Math.Log10(multiple);
                if (tick >= min - 1e-9 && tick <= max + 1e-9)
                {
                    candidates.Add(tick);
                }
            }
        }

        if (candidates.Count > 7)
        {
            candidates = candidates.Where(t => Math.Abs(t - Math.Round(t)) < 1e-9).ToList();
        }

        return candidates.Count >= 2 ? candidates : Ticks(min, max);
    }

    private static string Label(double value) => value.ToString(Math.Abs(value) is >= 1e5 or (< 1e-3 and > 0) ? "0.##e0" : "0.####", CultureInfo.InvariantCulture);

    private static string Shorten(string name) => name.Length <= 18 ? name : name[..17] + "…";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
