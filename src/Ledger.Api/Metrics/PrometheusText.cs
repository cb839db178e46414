using System.Globalization;
using System.Text;

namespace Ledger.Api.Metrics;

/// <summary>One sample of a series: its labels (in order) and value.</summary>
public sealed record Sample(IReadOnlyList<(string Name, string Value)> Labels, double Value);

/// <summary>A metric family: name, type (<c>gauge</c> or <c>counter</c>), help, and its samples.</summary>
public sealed record MetricFamily(string Name, string Type, string Help, IReadOnlyList<Sample> Samples);

/// <summary>
/// Writes the Prometheus text exposition format, version 0.0.4 (pure, unit-tested): <c># HELP</c>, <c># TYPE</c>, then one
/// line per sample with escaped label values. A family with no samples still gets its HELP and TYPE.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(IEnumerable<MetricFamily> families)
    {
        var text = new StringBuilder();
        foreach (var family in families)
        {
            text.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            foreach (var sample in family.Samples)
            {
                text.Append(family.Name);
                if (sample.Labels.Count > 0)
                {
                    text.Append('{');
                    for (var i = 0; i < sample.Labels.Count; i++)
                    {
                        if (i > 0) text.Append(',');
                        text.Append(sample.Labels[i].Name).Append("=\"").Append(EscapeLabel(sample.Labels[i].Value)).Append('"');
                    }

                    text.Append('}');
                }

                text.Append(' ').Append(Number(sample.Value)).Append('\n');
            }
        }

        return text.ToString();
    }

    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string EscapeLabel(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string EscapeHelp(string value) => value.Replace("\\", "\\\\").Replace("\n", "\\n");
}
