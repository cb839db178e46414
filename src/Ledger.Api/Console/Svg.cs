using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;

namespace Ledger.Api.OperatorConsole;

/// <summary>One point of a chart or mark of a timeline: where it is, what it says, where it links, how it is coloured.</summary>
public sealed record Mark(DateTimeOffset At, double Value, string Label, string? Href, string Tone = "idle");

/// <summary>A series of a chart.</summary>
public sealed record Series(string Name, string CssClass, IReadOnlyList<Mark> Points);

/// <summary>A lane of a timeline.</summary>
public sealed record Lane(string Name, IReadOnlyList<Mark> Marks);

/// <summary>
/// Server-rendered inline SVG: no script, no library, no network. Every point is a <c>circle.point</c> with a
/// <c>title</c> (the browser's tooltip) inside a link to its detail page.
/// </summary>
public static class Svg
{
    private const int Width = 960;
    private const int Left = 64;
    private const int Right = 16;
    private const int Top = 12;
    private const int Bottom = 28;

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A time chart of one or more series, with an optional horizontal target line.</summary>
    public static IHtmlContent Chart(string title, string unit, IReadOnlyList<Series> series, double? target = null,
        string? targetLabel = null, int height = 220)
    {
        var points = series.SelectMany(s => s.Points).ToList();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {Width} {height}\" data-points=\"{points.Count}\">");
        sb.Append(CultureInfo.InvariantCulture, $"<title>{E(title)}</title>");
        if (points.Count == 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text class=\"empty\" x=\"{Width / 2}\" y=\"{height / 2}\" text-anchor=\"middle\">no data yet</text></svg>");
            return new HtmlString(sb.ToString());
        }

        var (x0, x1) = TimeRange(points.Select(p => p.At));
        // A target far above every point would flatten them all against the axis: then it is named, not drawn.
        var highest = points.Max(p => p.Value);
        var drawTarget = target is { } wanted && wanted <= Math.Max(highest, 0.001) * 2;
        var yMax = Math.Max(highest, drawTarget ? target!.Value : 0);
        yMax = yMax <= 0 ? 1 : NiceCeiling(yMax * 1.1);
        var plotH = height - Top - Bottom;
        double X(DateTimeOffset at) => Left + ((at - x0).TotalSeconds / Math.Max(1, (x1 - x0).TotalSeconds) * (Width - Left - Right));
        double Y(double v) => Top + plotH - (v / yMax * plotH);

        // Axes and grid: four horizontal lines with their values, the first and last time below.
        for (var i = 0; i <= 4; i++)
        {
            var v = yMax * i / 4;
            sb.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(Y(v))}\" y2=\"{F(Y(v))}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{Left - 6}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\">{E(Axis(v))} {E(unit)}</text>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{Left}\" y=\"{height - 8}\">{E(Display.When(x0))}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{Width - Right}\" y=\"{height - 8}\" text-anchor=\"end\">{E(Display.When(x1))}</text>");

        if (target is not null && !drawTarget)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text class=\"target-label\" x=\"{Width - Right}\" y=\"{Top + 12}\" text-anchor=\"end\">{E(targetLabel ?? "target")}: far above every point</text>");
        }
        else if (target is { } t)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line class=\"target\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(Y(t))}\" y2=\"{F(Y(t))}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text class=\"target-label\" x=\"{Width - Right}\" y=\"{F(Y(t) - 4)}\" text-anchor=\"end\">{E(targetLabel ?? "target")}</text>");
        }

        foreach (var s in series)
        {
            var ordered = s.Points.OrderBy(p => p.At).ToList();
            if (ordered.Count > 1)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<polyline class=\"line {E(s.CssClass)}\" points=\"");
                sb.Append(string.Join(' ', ordered.Select(p => $"{F(X(p.At))},{F(Y(p.Value))}")));
                sb.Append("\"/>");
            }

            foreach (var p in ordered)
            {
                AppendPoint(sb, p, X(p.At), Y(p.Value), $"point {s.CssClass} {p.Tone}", 4);
            }
        }

        // The legend, top left inside the plot.
        var lx = Left + 8;
        foreach (var s in series)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<circle class=\"legend {E(s.CssClass)}\" cx=\"{lx}\" cy=\"{Top + 8}\" r=\"4\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{lx + 8}\" y=\"{Top + 12}\">{E(s.Name)}</text>");
            lx += 16 + (s.Name.Length * 7);
        }

        sb.Append("</svg>");
        return new HtmlString(sb.ToString());
    }

    /// <summary>Lanes of marks on one time axis, each mark a link to its detail page.</summary>
    public static IHtmlContent Timeline(IReadOnlyList<Lane> lanes, DateTimeOffset from, DateTimeOffset to)
    {
        const int laneHeight = 30;
        const int labelWidth = 110;
        var height = Top + (lanes.Count * laneHeight) + Bottom;
        var (x0, x1) = TimeRange([from, to]);
        double X(DateTimeOffset at) => labelWidth + ((at - x0).TotalSeconds / Math.Max(1, (x1 - x0).TotalSeconds) * (Width - labelWidth - Right));
        var count = lanes.Sum(l => l.Marks.Count);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"timeline\" role=\"img\" viewBox=\"0 0 {Width} {height}\" data-points=\"{count}\">");
        sb.Append("<title>Timeline</title>");
        for (var i = 0; i < lanes.Count; i++)
        {
            var y = Top + (i * laneHeight) + (laneHeight / 2);
            sb.Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"4\" y=\"{y + 4}\">{E(lanes[i].Name)}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{labelWidth}\" x2=\"{Width - Right}\" y1=\"{y}\" y2=\"{y}\"/>");
            foreach (var mark in lanes[i].Marks)
            {
                AppendPoint(sb, mark, X(mark.At), y, $"point {mark.Tone}", 6);
            }
        }

        sb.Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{labelWidth}\" y=\"{height - 8}\">{E(Display.When(x0))}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{Width - Right}\" y=\"{height - 8}\" text-anchor=\"end\">{E(Display.When(x1))}</text>");
        sb.Append("</svg>");
        return new HtmlString(sb.ToString());
    }

    private static void AppendPoint(StringBuilder sb, Mark p, double x, double y, string cssClass, int radius)
    {
        if (p.Href is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<a href=\"{E(p.Href)}\">");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<circle class=\"{E(cssClass)}\" cx=\"{F(x)}\" cy=\"{F(y)}\" r=\"{radius}\"><title>{E(p.Label)}</title></circle>");
        if (p.Href is not null)
        {
            sb.Append("</a>");
        }
    }

    /// <summary>The span of the times, widened to at least an hour so a single point sits in the middle.</summary>
    private static (DateTimeOffset From, DateTimeOffset To) TimeRange(IEnumerable<DateTimeOffset> times)
    {
        var list = times.ToList();
        var (from, to) = (list.Min(), list.Max());
        var minimum = TimeSpan.FromHours(1);
        if (to - from < minimum)
        {
            var middle = from + ((to - from) / 2);
            (from, to) = (middle - (minimum / 2), middle + (minimum / 2));
        }

        var pad = (to - from) / 40;
        return (from - pad, to + pad);
    }

    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Axis(double v) =>
        v >= 100 ? v.ToString("0", CultureInfo.InvariantCulture)
        : v >= 10 ? v.ToString("0.#", CultureInfo.InvariantCulture)
        : v.ToString("0.###", CultureInfo.InvariantCulture);
}
