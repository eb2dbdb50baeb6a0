using System.Globalization;
using System.Text;
using Dgl.Cli.Training;

namespace Dgl.Cli.Output;

/// <summary>What the report shows about a finished run.</summary>
internal sealed record ReportContent(
    RunHistory History,
    IReadOnlyList<KeyValuePair<string, string>> DataStatistics,
    int[] InDegrees,
    int[,]? Confusion,
    IReadOnlyList<string>? ClassNames,
    string ConfigYaml);

/// <summary>
/// The run's <c>report.html</c> (one self-contained page: inline SVG curves, a canvas degree histogram drawn by inline
/// script, tables; nothing fetched from the network) and <c>curves.svg</c>.
/// </summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The loss curve and the train/validation metric curves as series.</summary>
    public static (IReadOnlyList<Series> Loss, IReadOnlyList<Series> Metric) Curves(RunHistory h)
    {
        var loss = new Series("train loss", "#d62728", [.. h.Epochs.Select(e => ((double)e.Epoch, e.Loss))]);
        var train = new Series($"train {h.Metric}", "#1f77b4", [.. h.Epochs.Select(e => ((double)e.Epoch, e.Train))]);
        var val = new Series($"val {h.Metric}", "#ff7f0e", [.. h.Epochs.Select(e => ((double)e.Epoch, e.Val))]);
        return ([loss], [train, val]);
    }

    /// <summary>The standalone <c>curves.svg</c>: loss and metric side by side.</summary>
    public static string CurvesSvg(RunHistory h)
    {
        var (loss, metric) = Curves(h);
        const int W = 1040, H = 320;
        var sb = new StringBuilder();
        sb.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.Append(Inv, $"<rect width=\"{W}\" height=\"{H}\" fill=\"#fff\"/>");
        SvgChart.AppendPlot(sb, "Training loss", "epoch", loss, 0, 0, W / 2.0, H);
        SvgChart.AppendPlot(sb, $"{h.Metric} ({h.Dataset}, {h.Model})", "epoch", metric, W / 2.0, 0, W / 2.0, H);
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>The HTML page.</summary>
    public static string Html(ReportContent c)
    {
        var h = c.History;
        var (loss, metric) = Curves(h);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append(Inv, $"<title>dgl report: {E(h.Model)} on {E(h.Dataset)}</title>");
        sb.Append("""
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1180px}
h1{font-size:22px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px} td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f4f4f4} td.k{text-align:left} .charts{display:flex;flex-wrap:wrap;gap:16px}
pre{background:#f7f7f7;padding:10px;font-size:12px;overflow:auto} #tip{position:fixed;pointer-events:none;background:#333;color:#fff;padding:2px 6px;font-size:12px;border-radius:3px;display:none}
.errors{color:#b00}
</style>
<script>
window.__errors=[];
window.addEventListener('error',function(e){window.__errors.push(String(e.message));var el=document.getElementById('page-errors');if(el)el.textContent=window.__errors.join('\n');});
</script>
</head><body>
""");
        sb.Append(Inv, $"<h1>{E(h.Model)} on {E(h.Dataset)} — {E(h.Task)} task</h1>\n");
        sb.Append(Inv, $"<p>Status: <b>{E(h.Status)}</b>. {h.Epochs.Count} epochs in {Fmt(h.TotalSeconds)} s; best validation {E(h.Metric)} {Fmt(h.BestVal)} at epoch {h.BestEpoch}.</p>\n");

        sb.Append("<h2>Test metrics (best validation checkpoint)</h2>\n<table id=\"test-metrics\"><tr><th>metric</th><th>value</th></tr>");
        foreach (var (k, v) in h.Test) sb.Append(Inv, $"<tr><td class=\"k\">{E(k)}</td><td>{Fmt(v)}</td></tr>");
        sb.Append("</table>\n");

        sb.Append("<h2>Training curves</h2>\n<div class=\"charts\">");
        sb.Append(SvgChart.LineChart("Training loss", "epoch", loss, id: "loss-chart"));
        sb.Append(SvgChart.LineChart($"{h.Metric}", "epoch", metric, id: "metric-chart"));
        sb.Append("</div>\n");

        if (c.Confusion is { } m)
        {
            var k = m.GetLength(0);
            var max = 1;
            foreach (var v in m) max = Math.Max(max, v);
            sb.Append("<h2>Confusion matrix (test split; rows: true class, columns: predicted)</h2>\n<table id=\"confusion\"><tr><th></th>");
            for (var j = 0; j < k; j++) sb.Append(Inv, $"<th>{E(ClassName(c.ClassNames, j))}</th>");
            sb.Append("</tr>");
            for (var i = 0; i < k; i++)
            {
                sb.Append(Inv, $"<tr><th>{E(ClassName(c.ClassNames, i))}</th>");
                for (var j = 0; j < k; j++)
                {
                    var a = m[i, j] / (double)max;
                    var color = i == j ? $"rgba(44,160,44,{0.15 + 0.7 * a:F2})" : $"rgba(214,39,40,{(m[i, j] == 0 ? 0 : 0.1 + 0.7 * a):F2})";
                    sb.Append(Inv, $"<td style=\"background:{color}\">{m[i, j]}</td>");
                }
                sb.Append("</tr>");
            }
            sb.Append("</table>\n");
        }

        sb.Append("<h2>Data set</h2>\n<table id=\"data-stats\">");
        foreach (var (k, v) in c.DataStatistics) sb.Append(Inv, $"<tr><td class=\"k\">{E(k)}</td><td>{E(v)}</td></tr>");
        var deg = c.InDegrees;
        if (deg.Length > 0)
            sb.Append(Inv, $"<tr><td class=\"k\">in-degree min / mean / max</td><td>{deg.Min()} / {deg.Average():F2} / {deg.Max()}</td></tr>");
        sb.Append("</table>\n");
        sb.Append("<h3>In-degree distribution</h3>\n<canvas id=\"degree-hist\" width=\"560\" height=\"260\"></canvas>\n");

        sb.Append("<h2>Epochs</h2>\n<table id=\"epochs\"><tr><th>epoch</th><th>loss</th>");
        sb.Append(Inv, $"<th>train {E(h.Metric)}</th><th>val {E(h.Metric)}</th><th>lr</th><th>time (s)</th></tr>");
        var rows = h.Epochs.Count <= 60 ? h.Epochs : h.Epochs.Where((e, i) => i % (h.Epochs.Count / 50 + 1) == 0 || e.Epoch == h.BestEpoch || i == h.Epochs.Count - 1).ToList();
        foreach (var e in rows)
        {
            var style = e.Epoch == h.BestEpoch ? " style=\"font-weight:bold\"" : "";
            sb.Append(Inv, $"<tr{style}><td>{e.Epoch}</td><td>{Fmt(e.Loss)}</td><td>{Fmt(e.Train)}</td><td>{Fmt(e.Val)}</td><td>{e.Lr:G4}</td><td>{e.Seconds:F3}</td></tr>");
        }
        sb.Append("</table>\n");

        sb.Append("<h2>Configuration</h2>\n<pre id=\"config\">").Append(E(c.ConfigYaml)).Append("</pre>\n");
        sb.Append("<pre id=\"page-errors\" class=\"errors\"></pre><div id=\"tip\"></div>\n");

        // The histogram data: counts per degree bucket (logarithmic buckets past 32).
        var (labels, counts) = Histogram(deg);
        sb.Append("<script>\n");
        sb.Append("var DEGREE_LABELS=[").Append(string.Join(",", labels.Select(l => "\"" + l + "\""))).Append("];\n");
        sb.Append("var DEGREE_COUNTS=[").Append(string.Join(",", counts.Select(x => x.ToString(Inv)))).Append("];\n");
        sb.Append("""
(function(){
  var cv=document.getElementById('degree-hist'); var ctx=cv.getContext('2d');
  var W=cv.width,H=cv.height,L=48,B=40,T=12,R=8; var n=DEGREE_COUNTS.length; var max=Math.max.apply(null,DEGREE_COUNTS.concat([1]));
  ctx.fillStyle='#fff';ctx.fillRect(0,0,W,H); ctx.strokeStyle='#999';ctx.strokeRect(L,T,W-L-R,H-T-B);
  ctx.font='11px sans-serif';ctx.fillStyle='#222';ctx.textAlign='right';
  for(var k=0;k<=4;k++){var v=Math.round(max*k/4);var y=T+(H-T-B)*(1-k/4);ctx.fillText(String(v),L-4,y+3);}
  var bw=(W-L-R)/Math.max(1,n);
  for(var i=0;i<n;i++){var bh=(H-T-B)*DEGREE_COUNTS[i]/max;ctx.fillStyle='#1f77b4';ctx.fillRect(L+i*bw+1,H-B-bh,Math.max(1,bw-2),bh);
    if(n<=20||i%Math.ceil(n/20)===0){ctx.save();ctx.fillStyle='#222';ctx.textAlign='center';ctx.fillText(DEGREE_LABELS[i],L+i*bw+bw/2,H-B+13);ctx.restore();}}
  ctx.textAlign='center';ctx.fillStyle='#222';ctx.fillText('in-degree (nodes per bucket)',L+(W-L-R)/2,H-6);
  cv.setAttribute('data-drawn',String(n));
  var tip=document.getElementById('tip');
  Array.prototype.forEach.call(document.querySelectorAll('svg.chart path.series'),function(p){
    p.addEventListener('mousemove',function(e){tip.style.display='block';tip.style.left=(e.clientX+12)+'px';tip.style.top=(e.clientY+12)+'px';tip.textContent=p.getAttribute('data-name');});
    p.addEventListener('mouseleave',function(){tip.style.display='none';});
  });
  document.body.setAttribute('data-report-ready',String(document.querySelectorAll('svg.chart path.series').length));
})();
</script>
</body></html>
""");
        return sb.ToString();
    }

    /// <summary>Degree buckets: one per degree up to 32, then powers of two.</summary>
    internal static (string[] Labels, long[] Counts) Histogram(int[] degrees)
    {
        if (degrees.Length == 0) return ([], []);
        var max = degrees.Max();
        var labels = new List<string>();
        var bounds = new List<(int Lo, int Hi)>();
        for (var d = 0; d <= Math.Min(max, 32); d++)
        {
            labels.Add(d.ToString(Inv));
            bounds.Add((d, d));
        }
        for (var lo = 33; lo <= max; lo *= 2)
        {
            var hi = Math.Min(max, lo * 2 - 1);
            labels.Add($"{lo}-{hi}");
            bounds.Add((lo, hi));
        }
        var counts = new long[bounds.Count];
        foreach (var d in degrees)
        {
            var i = d <= 32 ? d : 33 + (int)Math.Floor(Math.Log2(d / 33.0));
            i = Math.Min(i, counts.Length - 1);
            while (i > 0 && bounds[i].Lo > d) i--;
            counts[i]++;
        }
        return ([.. labels], counts);
    }

    private static string ClassName(IReadOnlyList<string>? names, int i) => names is not null && i < names.Count ? names[i] : i.ToString(Inv);

    private static string Fmt(double v) => double.IsFinite(v) ? v.ToString("F4", Inv) : "-";

    private static string E(string s) => SvgChart.Esc(s);
}
