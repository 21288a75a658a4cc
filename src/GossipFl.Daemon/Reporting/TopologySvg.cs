using System.Globalization;
using System.Net;
using System.Text;
using GossipFl.Topology.Graph;

namespace GossipFl.Daemon.Reporting;

/// <summary>
/// Draws a trust graph as SVG: peers on a circle, an arrow j → i when i trusts j (models flow along arrows),
/// mutual trust as one line with two heads. Peers that stopped reporting are drawn hollow and red.
/// </summary>
internal static class TopologySvg
{
    /// <summary>Beyond this a drawing is a hairball that helps nobody; the report says so instead.</summary>
    public const int MaxDrawnNodes = 128;

    private const int Size = 560;

    public static string Render(TrustGraph graph, IReadOnlySet<string> stopped)
    {
        var c = CultureInfo.InvariantCulture;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg class=\"topology\" id=\"topology\" viewBox=\"0 0 {Size} {Size}\" width=\"{Size}\" height=\"{Size}\" role=\"img\" aria-label=\"trust topology\">");
        svg.Append("<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>");
        if (graph.NodeCount > MaxDrawnNodes)
        {
            svg.Append(c, $"<text x=\"20\" y=\"40\">{graph.NodeCount} peers: too many to draw ({MaxDrawnNodes} at most).</text></svg>");
            return svg.ToString();
        }

        var n = graph.NodeCount;
        var radius = (Size / 2) - 90;
        var nodeRadius = n > 40 ? 5 : 14;
        (double X, double Y) At(int i) => (
            (Size / 2) + (radius * Math.Cos((2 * Math.PI * i / n) - (Math.PI / 2))),
            (Size / 2) + (radius * Math.Sin((2 * Math.PI * i / n) - (Math.PI / 2))));

        foreach (var (truster, trusted) in graph.TrustRelations())
        {
            if (truster == trusted)
            {
                continue;
            }

            var mutual = graph.Trusts(trusted, truster);
            if (mutual && truster < trusted)
            {
                continue;
            }

            // Information flows from the trusted peer to the truster.
            var (fromX, fromY) = At(trusted);
            var (toX, toY) = At(truster);
            var length = Math.Sqrt(((toX - fromX) * (toX - fromX)) + ((toY - fromY) * (toY - fromY)));
            var (ux, uy) = ((toX - fromX) / length, (toY - fromY) / length);
            var start = mutual ? " marker-start=\"url(#head)\"" : string.Empty;
            svg.Append(c, $"<line class=\"edge\" x1=\"{fromX + (ux * nodeRadius):0.#}\" y1=\"{fromY + (uy * nodeRadius):0.#}\" x2=\"{toX - (ux * nodeRadius):0.#}\" y2=\"{toY - (uy * nodeRadius):0.#}\" stroke=\"#888\" stroke-width=\"1.2\" marker-end=\"url(#head)\"{start}/>");
        }

        for (var i = 0; i < n; i++)
        {
            var (x, y) = At(i);
            var name = graph.NameOf(i);
            var dead = stopped.Contains(name);
            svg.Append(c, $"<g class=\"node{(dead ? " stopped" : "")}\" data-node=\"{WebUtility.HtmlEncode(name)}\"><circle cx=\"{x:0.#}\" cy=\"{y:0.#}\" r=\"{nodeRadius}\" fill=\"{(dead ? "#fff" : "#1f77b4")}\" stroke=\"{(dead ? "#d62728" : "#0b3d66")}\" stroke-width=\"2\"/>");
            var labelX = (Size / 2) + ((radius + nodeRadius + 22) * Math.Cos((2 * Math.PI * i / n) - (Math.PI / 2)));
            var labelY = (Size / 2) + ((radius + nodeRadius + 22) * Math.Sin((2 * Math.PI * i / n) - (Math.PI / 2)));
            svg.Append(c, $"<text x=\"{labelX:0.#}\" y=\"{labelY + 4:0.#}\" text-anchor=\"middle\" class=\"node-label\">{WebUtility.HtmlEncode(name)}{(dead ? " ✝" : "")}</text><title>{WebUtility.HtmlEncode(name)}</title></g>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }
}
