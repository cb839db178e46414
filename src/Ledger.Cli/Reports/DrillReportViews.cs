using Ledger.Contracts.Common;
using System.Globalization;
using System.Net;
using System.Text;
using Ledger.Cli.Common;
using Ledger.Contracts.Drills;

namespace Ledger.Cli.Reports;

/// <summary>The drill compliance report as people and tools read it: table, Markdown, CSV, one HTML page.</summary>
internal static class DrillReportViews
{
    public static readonly IReadOnlyList<string> Formats = ["table", "md", "csv", "json", "html"];

    private static string Verdict(bool compliant) => compliant ? "PASS" : "FAIL";
    private static string Rate(double? rate) => rate is { } r ? r.ToString("P0", CultureInfo.InvariantCulture) : Humanize.None;
    private static string Seconds(long? s) => s is { } v ? v.ToString(CultureInfo.InvariantCulture) + " s" : Humanize.None;
    private static string Day(DateTimeOffset? at) => at is { } a ? a.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : Humanize.None;
    private static string Age(long? seconds) => seconds is { } s ? Humanize.Age(TimeSpan.FromSeconds(s)) : Humanize.None;
    private static string Failed(DatabaseCompliance line) =>
        string.Join(" ", line.Controls.Where(c => !c.Passed).Select(c => c.Control)) is { Length: > 0 } f ? f : Humanize.None;

    private static string[] Cells(DatabaseCompliance l) =>
    [
        l.Environment, l.Database, Verdict(l.Compliant), l.DrillsRun.ToString(CultureInfo.InvariantCulture), Day(l.LastDrillAt),
        l.DaysSinceLastDrill?.ToString(CultureInfo.InvariantCulture) ?? Humanize.None, l.DrillOverdue ? "yes" : "no", Rate(l.PassRate),
        Seconds(l.MedianRtoSeconds), Seconds(l.WorstRtoSeconds), l.ManualSteps.ToString(CultureInfo.InvariantCulture),
        l.DaysWithoutBackup.Count.ToString(CultureInfo.InvariantCulture),
        l.UpgradesWithoutPreUpgradeBackup.Count.ToString(CultureInfo.InvariantCulture),
        l.NewestVerifiedBackupId?.ToString() ?? Humanize.None, Age(l.NewestVerifiedAgeSeconds), Failed(l),
    ];

    private static readonly string[] Headers =
    [
        "ENV", "DB", "RESULT", "DRILLS", "LAST DRILL", "DAYS SINCE", "OVERDUE", "PASS RATE", "MEDIAN RTO", "WORST RTO",
        "MANUAL STEPS", "DAYS W/O BACKUP", "UPGRADES W/O PRE-UPGRADE", "NEWEST VERIFIED", "AGE", "FAILED CONTROLS",
    ];

    private static string Header(DrillComplianceReport r) =>
        $"drill compliance since {Day(r.Since)} (cadence {r.Policy.CadenceDays} days, RTO target {r.Policy.RtoTargetSeconds} s, " +
        $"minimum pass rate {Rate(r.Policy.MinPassRate)}): {(r.Compliant ? "compliant" : "NOT compliant")}";

    public static void Table(DrillComplianceReport report, TextWriter output)
    {
        output.WriteLine(Header(report));
        if (report.Lines.Count == 0)
        {
            output.WriteLine("no databases known");
            return;
        }

        var table = new TextTable([.. Headers.Select(h => new Column(h))]);
        foreach (var line in report.Lines)
        {
            table.AddRow(Cells(line));
        }

        table.WriteTo(output);
        output.WriteLine();
        foreach (var line in report.Lines)
        {
            foreach (var control in line.Controls)
            {
                output.WriteLine($"{line.Environment}/{line.Database} {control.Control}: {Verdict(control.Passed)}: {control.Detail}" +
                                 (control.Evidence.Count == 0 ? "" : $" [evidence: {string.Join(", ", control.Evidence)}]"));
            }
        }
    }

    public static void Markdown(DrillComplianceReport report, TextWriter output)
    {
        output.WriteLine("# Drill compliance");
        output.WriteLine();
        output.WriteLine(Header(report));
        output.WriteLine();
        output.WriteLine("| " + string.Join(" | ", Headers) + " |");
        output.WriteLine("|" + string.Concat(Headers.Select(_ => "---|")));
        foreach (var line in report.Lines)
        {
            output.WriteLine("| " + string.Join(" | ", Cells(line).Select(c => c.Replace("|", "\\|"))) + " |");
        }

        foreach (var line in report.Lines)
        {
            output.WriteLine();
            output.WriteLine($"## {line.Environment}/{line.Database}: {Verdict(line.Compliant)}");
            output.WriteLine();
            foreach (var control in line.Controls)
            {
                output.WriteLine($"- **{control.Control}** {Verdict(control.Passed)}: {control.Detail}" +
                                 (control.Evidence.Count == 0 ? "" : $" (evidence: {string.Join(", ", control.Evidence.Select(e => $"`{e}`"))})"));
            }
        }
    }

    /// <summary>One row per (database, control), so a spreadsheet can filter on failures; evidence ids separated by spaces.</summary>
    public static void Csv(DrillComplianceReport report, TextWriter output)
    {
        output.WriteLine("environment,database,control,result,detail,evidence,drills_run,pass_rate,median_rto_s,worst_rto_s,manual_steps,days_without_backup,newest_verified_backup,newest_verified_age_s");
        foreach (var line in report.Lines)
        {
            foreach (var c in line.Controls)
            {
                output.WriteLine(string.Join(",", new[]
                {
                    line.Environment, line.Database, c.Control, Verdict(c.Passed), c.Detail, string.Join(" ", c.Evidence),
                    line.DrillsRun.ToString(CultureInfo.InvariantCulture),
                    line.PassRate?.ToString("0.###", CultureInfo.InvariantCulture) ?? "",
                    line.MedianRtoSeconds?.ToString(CultureInfo.InvariantCulture) ?? "",
                    line.WorstRtoSeconds?.ToString(CultureInfo.InvariantCulture) ?? "",
                    line.ManualSteps.ToString(CultureInfo.InvariantCulture),
                    line.DaysWithoutBackup.Count.ToString(CultureInfo.InvariantCulture),
                    line.NewestVerifiedBackupId?.ToString() ?? "",
                    line.NewestVerifiedAgeSeconds?.ToString(CultureInfo.InvariantCulture) ?? "",
                }.Select(CsvField)));
            }
        }
    }

    private static string CsvField(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    /// <summary>One self-contained page: a summary table, then per environment a timeline of drills (inline SVG) and the controls.</summary>
    public static void Html(DrillComplianceReport report, TextWriter output)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html>");
        sb.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Drill compliance</title><style>");
        sb.AppendLine("body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:1rem 0}" +
                      "th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;font-size:.9rem}th{background:#f3f3f3}" +
                      ".pass{color:#17692b;font-weight:bold}.fail{color:#b00020;font-weight:bold}code{font-size:.8rem}svg{display:block;margin:.5rem 0}");
        sb.AppendLine("</style></head><body>");
        sb.AppendLine($"<h1>Drill compliance</h1><p>{E(Header(report))}. Generated {E(report.GeneratedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture))}.</p>");
        sb.AppendLine("<table><tr>" + string.Concat(Headers.Select(h => $"<th>{E(h)}</th>")) + "</tr>");
        foreach (var line in report.Lines)
        {
            var cells = Cells(line);
            sb.Append("<tr>");
            for (var i = 0; i < cells.Length; i++)
            {
                sb.Append(i == 2 ? $"<td class=\"{(line.Compliant ? "pass" : "fail")}\">{E(cells[i])}</td>" : $"<td>{E(cells[i])}</td>");
            }

            sb.AppendLine("</tr>");
        }

        sb.AppendLine("</table>");
        var span = Math.Max(1, (report.GeneratedAt - report.Since).TotalSeconds);
        foreach (var environment in report.Lines.GroupBy(l => l.Environment))
        {
            sb.AppendLine($"<h2>{E(environment.Key)}</h2>");
            foreach (var line in environment)
            {
                const int width = 800;
                sb.AppendLine($"<h3>{E(line.Database)} <span class=\"{(line.Compliant ? "pass" : "fail")}\">{Verdict(line.Compliant)}</span></h3>");
                sb.AppendLine($"<svg width=\"{width + 20}\" height=\"46\" role=\"img\" aria-label=\"drills of {E(line.Environment)}/{E(line.Database)}\">");
                sb.AppendLine($"<line x1=\"10\" y1=\"20\" x2=\"{width + 10}\" y2=\"20\" stroke=\"#999\"/>");
                sb.AppendLine($"<text x=\"10\" y=\"42\" font-size=\"11\">{E(Day(report.Since))}</text><text x=\"{width - 50}\" y=\"42\" font-size=\"11\">{E(Day(report.GeneratedAt))}</text>");
                foreach (var drill in line.Drills)
                {
                    var x = 10 + (int)Math.Round(width * Math.Clamp((drill.At - report.Since).TotalSeconds / span, 0, 1));
                    var colour = drill.Status == DrillStatus.Passed ? "#17692b" : drill.Status == DrillStatus.Running ? "#888" : "#b00020";
                    sb.AppendLine($"<circle cx=\"{x}\" cy=\"20\" r=\"6\" fill=\"{colour}\"><title>{E($"{Day(drill.At)} {drill.Status.ToWire()} RTO {Seconds(drill.RtoSeconds)} drill {drill.DrillId}")}</title></circle>");
                }

                sb.AppendLine("</svg>");
                if (line.Drills.Count == 0)
                {
                    sb.AppendLine("<p>No drill in the window.</p>");
                }

                sb.AppendLine("<ul>");
                foreach (var control in line.Controls)
                {
                    sb.AppendLine($"<li><span class=\"{(control.Passed ? "pass" : "fail")}\">{Verdict(control.Passed)}</span> <b>{E(control.Control)}</b>: {E(control.Detail)}" +
                                  (control.Evidence.Count == 0 ? "" : " <br>evidence: " + string.Join(" ", control.Evidence.Select(id => $"<code>{id}</code>"))) + "</li>");
                }

                sb.AppendLine("</ul>");
            }
        }

        sb.AppendLine("</body></html>");
        output.Write(sb.ToString());
    }
}
