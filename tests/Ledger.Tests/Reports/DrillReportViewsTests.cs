using Ledger.Cli.Reports;
using Ledger.Contracts.Drills;

namespace Ledger.Tests.Reports;

public sealed class when_the_drill_compliance_report_is_rendered
{
    private static readonly DateTimeOffset Now = new(2026, 6, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid DrillId = Guid.Parse("0195a6a0-0000-7000-8000-000000000001");

    private static DrillComplianceReport Report() => new(Now, Now.AddDays(-365), new DrillPolicy(30, 3600, 1.0), false,
    [
        new DatabaseCompliance
        {
            Environment = "prod", Database = "app", Compliant = false, DrillsRun = 1, DrillsPassed = 1, PassRate = 1,
            LastDrillAt = Now.AddDays(-40), DaysSinceLastDrill = 40, DrillOverdue = true, MedianRtoSeconds = 120, WorstRtoSeconds = 120,
            Drills = [new DrillMark(DrillId, Now.AddDays(-40), DrillStatus.Passed, 120, 0)],
            Controls =
            [
                new ControlResult(ComplianceControls.DrillCadence, false, "last drill 40 days ago, \"late\"", [DrillId]),
                new ControlResult(ComplianceControls.Rto, true, "median 120 s", [DrillId]),
            ],
        },
    ]);

    private static string Render(Action<DrillComplianceReport, TextWriter> render)
    {
        var output = new StringWriter();
        render(Report(), output);
        return output.ToString();
    }

    [Fact]
    public void the_table_names_the_failed_control_and_its_evidence()
    {
        var text = Render(DrillReportViews.Table);
        Assert.Contains("NOT compliant", text);
        Assert.Contains($"prod/app drill-cadence: FAIL: last drill 40 days ago, \"late\" [evidence: {DrillId}]", text);
    }

    [Fact]
    public void csv_quotes_fields_with_commas_and_quotes_and_has_one_row_per_control()
    {
        var lines = Render(DrillReportViews.Csv).TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith($"prod,app,drill-cadence,FAIL,\"last drill 40 days ago, \"\"late\"\"\",{DrillId},1,1,120,120,", lines[1]);
    }

    [Fact]
    public void markdown_has_a_table_and_a_section_per_database()
    {
        var text = Render(DrillReportViews.Markdown);
        Assert.Contains("| ENV | DB | RESULT |", text);
        Assert.Contains("## prod/app: FAIL", text);
    }

    [Fact]
    public void html_is_one_self_contained_page_with_a_timeline_point_per_drill()
    {
        var html = Render(DrillReportViews.Html);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<circle "));
        Assert.Contains(DrillId.ToString(), html);
        Assert.Contains("&quot;late&quot;", html);
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("href=", html);
    }
}
