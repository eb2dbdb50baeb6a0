using System.Globalization;
using System.Net;
using System.Text;

namespace Dgl.Cli.Output;

/// <summary>A named line of (x, y) points.</summary>
internal sealed record Series(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);

/// <summary>Line charts as self-contained SVG (axes, ticks, legend; no fonts or scripts from outside).</summary>
internal static class SvgChart
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>An SVG element of the given size plotting <paramref name="series"/> under <paramref name="title"/>.</summary>
    public static string LineChart(string title, string xLabel, IReadOnlyList<Series> series, int width = 560, int height = 320, bool standalone = false, string? id = null)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg {(standalone ? "xmlns=\"http://www.w3.org/2000/svg\" " : "")}{(id is null ? "" : $"id=\"{id}\" ")}class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>");
        AppendPlot(sb, title, xLabel, series, 0, 0, width, height);
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>Draws one chart into the rectangle (<paramref name="ox"/>, <paramref name="oy"/>, <paramref name="w"/>, <paramref name="h"/>).</summary>
    public static void AppendPlot(StringBuilder sb, string title, string xLabel, IReadOnlyList<Series> series, double ox, double oy, double w, double h)
    {
        const double left = 52, right = 12, top = 28, bottom = 40;
        var pts = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y) && double.IsFinite(p.X)).ToList();
        double x0 = pts.Count > 0 ? pts.Min(p => p.X) : 0, x1 = pts.Count > 0 ? pts.Max(p => p.X) : 1;
        double y0 = pts.Count > 0 ? pts.Min(p => p.Y) : 0, y1 = pts.Count > 0 ? pts.Max(p => p.Y) : 1;
        if (x1 <= x0) x1 = x0 + 1;
        if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
        var pad = (y1 - y0) * 0.05;
        y0 -= pad;
        y1 += pad;
        double pw = w - left - right, ph = h - top - bottom;
        string X(double x) => (ox + left + (x - x0) / (x1 - x0) * pw).ToString("F1", Inv);
        string Y(double y) => (oy + top + (1 - (y - y0) / (y1 - y0)) * ph).ToString("F1", Inv);
        sb.Append(Inv, $"<text x=\"{ox + w / 2:F1}\" y=\"{oy + 17:F1}\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{Esc(title)}</text>");
        sb.Append(Inv, $"<rect x=\"{ox + left:F1}\" y=\"{oy + top:F1}\" width=\"{pw:F1}\" height=\"{ph:F1}\" fill=\"none\" stroke=\"#999\"/>");
        foreach (var t in Ticks(y0, y1, 5))
        {
            sb.Append(Inv, $"<line x1=\"{ox + left:F1}\" x2=\"{ox + left + pw:F1}\" y1=\"{Y(t)}\" y2=\"{Y(t)}\" stroke=\"#eee\"/>");
            sb.Append(Inv, $"<text x=\"{ox + left - 4:F1}\" y=\"{Y(t)}\" dy=\"3\" text-anchor=\"end\">{Num(t)}</text>");
        }
        foreach (var t in Ticks(x0, x1, 6))
            sb.Append(Inv, $"<text x=\"{X(t)}\" y=\"{oy + top + ph + 14:F1}\" text-anchor=\"middle\">{Num(t)}</text>");
        sb.Append(Inv, $"<text x=\"{ox + left + pw / 2:F1}\" y=\"{oy + h - 6:F1}\" text-anchor=\"middle\">{Esc(xLabel)}</text>");
        var lx = ox + left + 8;
        foreach (var s in series)
        {
            var good = s.Points.Where(p => double.IsFinite(p.Y)).ToList();
            if (good.Count == 0) continue;
            var d = new StringBuilder();
            for (var i = 0; i < good.Count; i++) d.Append(i == 0 ? 'M' : 'L').Append(X(good[i].X)).Append(',').Append(Y(good[i].Y));
            if (good.Count == 1) d.Append(" h0.01");
            sb.Append(Inv, $"<path class=\"series\" data-name=\"{Esc(s.Name)}\" d=\"{d}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>");
            sb.Append(Inv, $"<rect x=\"{lx:F1}\" y=\"{oy + top + 6:F1}\" width=\"10\" height=\"10\" fill=\"{s.Color}\"/><text x=\"{lx + 14:F1}\" y=\"{oy + top + 15:F1}\">{Esc(s.Name)}</text>");
            lx += 24 + 7 * s.Name.Length;
        }
    }

    /// <summary>About <paramref name="count"/> round tick values covering [lo, hi].</summary>
    public static IEnumerable<double> Ticks(double lo, double hi, int count)
    {
        var raw = (hi - lo) / count;
        var mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2, 2.5, 5, 10 }.Select(m => m * mag).First(s => s >= raw);
        for (var t = Math.Ceiling(lo / step) * step; t <= hi + step * 1e-9; t += step) yield return Math.Abs(t) < step * 1e-9 ? 0 : t;
    }

    private static string Num(double v) => Math.Abs(v) >= 1000 || (Math.Abs(v) < 0.01 && v != 0) ? v.ToString("G3", Inv) : v.ToString("0.###", Inv);

    public static string Esc(string s) => WebUtility.HtmlEncode(s);
}
