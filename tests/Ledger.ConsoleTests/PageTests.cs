using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Microsoft.Playwright;
using Npgsql;

namespace Ledger.ConsoleTests;

/// <summary>What a signed-in operator sees, in Chromium, on a stack with backups, a failed backup, a drill and a gate.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class when_an_operator_looks_at_the_console(ConsoleFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static string Row(string env, string db) => $"#databases tr[data-env='{env}'][data-db='{db}']";

    [Fact]
    public async Task the_overview_shows_each_database_with_its_restore_point_drill_gate_agent_and_the_compliance_colours()
    {
        var page = await fixture.SignedInPageAsync(Roles.Reader);
        var app = page.Locator(Row(ConsoleFixture.Environment, ConsoleFixture.Database));
        var broken = page.Locator(Row(ConsoleFixture.BrokenEnvironment, ConsoleFixture.BrokenDatabase));

        // The newest verified restore point of staging/app is the gate's pre-upgrade backup, taken after the manual one.
        var newest = await app.Locator("td:nth-child(2) a").GetAttributeAsync("href");
        Assert.Equal($"/ui/backups/{fixture.Gate.BackupId}", newest);
        Assert.Equal($"/ui/drills/{fixture.Drill.Id}", await app.Locator("td:nth-child(3) a").GetAttributeAsync("href"));
        Assert.Contains(DrillStatus.VerificationFailed.ToWire(), await app.Locator("td:nth-child(3)").InnerTextAsync());
        // The drill failed its verification: the pass-rate control fails, and the cell is coloured by it.
        Assert.Equal("bad", await app.Locator("td:nth-child(3)").GetAttributeAsync("class"));
        Assert.Contains("pass-rate", await app.Locator("td:nth-child(3)").InnerTextAsync());
        Assert.Equal($"/ui/gates/{fixture.Gate.Id}", await app.Locator("td:nth-child(4) a").GetAttributeAsync("href"));
        Assert.Contains(GateStatus.Open.ToWire(), await app.Locator("td:nth-child(4)").InnerTextAsync());
        Assert.Equal("ok", await app.Locator("td:nth-child(4)").GetAttributeAsync("class"));
        Assert.Equal("ok", await app.Locator("td:nth-child(6)").GetAttributeAsync("class"));
        Assert.Contains("FAIL", await app.Locator("td:nth-child(7)").InnerTextAsync());

        // broken/gone has only a failed backup: no restore point, no drill (cadence fails), and it is not compliant.
        Assert.Contains("none", await broken.Locator("td:nth-child(2)").InnerTextAsync());
        Assert.Contains("no drill", await broken.Locator("td:nth-child(3)").InnerTextAsync());
        Assert.Contains("drill-cadence", await broken.Locator("td:nth-child(7)").InnerTextAsync());

        var agents = await page.Locator("#agents tbody tr").AllInnerTextsAsync();
        Assert.Contains(agents, a => a.Contains("embedded-agent", StringComparison.Ordinal) && a.Contains("live", StringComparison.Ordinal));
        // Every database's colours are the report's verdicts: the failed controls of each row are those of dgledger report drills.
        var cli = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--format", "json");
        var report = JsonSerializer.Deserialize<DrillComplianceReport>(cli.Out, Json)!;
        Assert.Equal(report.Lines.Count, await page.Locator("#databases tbody tr").CountAsync());
        foreach (var line in report.Lines)
        {
            var failed = string.Join(" ", line.Controls.Where(c => !c.Passed).Select(c => c.Control));
            var cell = await page.Locator(Row(line.Environment, line.Database)).Locator("td:nth-child(7)").InnerTextAsync();
            Assert.Equal((line.Compliant ? "PASS" : "FAIL") + (failed.Length > 0 ? " " + failed : ""), cell.Trim());
        }

        await Screenshots.TakeAsync(page, "overview");
    }

    [Fact]
    public async Task the_timeline_puts_backups_drills_and_gates_on_one_axis_and_its_links_lead_to_detail_pages_with_the_full_history()
    {
        var page = await fixture.SignedInPageAsync(Roles.Reader);
        await page.ClickAsync($"{Row(ConsoleFixture.Environment, ConsoleFixture.Database)} td:first-child a");
        await page.WaitForURLAsync(fixture.Url($"/ui/db/{ConsoleFixture.Environment}/{ConsoleFixture.Database}").ToString());

        var kinds = await page.Locator("#timeline tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.kind)");
        Assert.Contains("manual backup", kinds);
        Assert.Contains("pre-upgrade backup", kinds);
        Assert.Contains("drill", kinds);
        Assert.Contains("gate", kinds);
        Assert.Contains("drill restore", kinds);
        // Every entry is a mark on the time axis, and every mark links somewhere.
        var marks = await page.Locator("svg.timeline a circle.point").CountAsync();
        Assert.Equal(kinds.Length, marks);
        await Screenshots.TakeAsync(page, "timeline");

        // Follow the drill's link: every check with its duration, the manual step, and the drill's events.
        await page.ClickAsync("#timeline tr[data-kind='drill'] a");
        await page.WaitForURLAsync(fixture.Url($"/ui/drills/{fixture.Drill.Id}").ToString());
        Assert.Equal(DrillStatus.VerificationFailed.ToWire(), await page.InnerTextAsync("#status"));
        Assert.Contains("paused the importer by hand", await page.InnerTextAsync("#manual-steps"));
        Assert.Contains("fidelity", await page.InnerTextAsync("#drill-checks"));
        var events = await page.Locator("table.history tbody tr td:nth-child(2)").AllInnerTextsAsync();
        Assert.Equal(["DrillStarted", "DrillCompleted", "DrillTargetDropped"], events.Take(3).ToArray());
        Assert.True(await page.Locator("#steps tr[data-check='fidelity']").CountAsync() == 1);
        await Screenshots.TakeAsync(page, "drill");

        // Back, and the manual backup's page: metadata, its copy, its checks, the fingerprint and its events.
        await page.GotoAsync(fixture.Url($"/ui/db/{ConsoleFixture.Environment}/{ConsoleFixture.Database}").ToString());
        await page.ClickAsync($"#timeline tr[data-kind='manual backup'] a[href='/ui/backups/{fixture.VerifiedBackup.Id}']");
        await page.WaitForURLAsync(fixture.Url($"/ui/backups/{fixture.VerifiedBackup.Id}").ToString());
        Assert.Equal("verified", await page.InnerTextAsync("#status"));
        Assert.Contains(fixture.VerifiedBackup.Sha256!, await page.InnerTextAsync("#copies"));
        Assert.Contains("passed", await page.InnerTextAsync("#checks"));
        Assert.Contains("Schema hash", await page.InnerTextAsync("#fingerprint"));
        var backupEvents = await page.Locator("table.history tbody tr td:nth-child(2)").AllInnerTextsAsync();
        Assert.Equal(["BackupRequested", "BackupStarted", "BackupTaken", "BackupVerified"], backupEvents.ToArray());
        await Screenshots.TakeAsync(page, "backup");
    }

    [Fact]
    public async Task the_failed_backup_and_the_gate_have_detail_pages_with_the_reason_and_the_evidence()
    {
        var page = await fixture.SignedInPageAsync(Roles.Reader);
        await page.GotoAsync(fixture.Url($"/ui/db/{ConsoleFixture.BrokenEnvironment}/{ConsoleFixture.BrokenDatabase}").ToString());
        await page.ClickAsync("#timeline tr[data-kind='manual backup'] a");
        await page.WaitForURLAsync(fixture.Url($"/ui/backups/{fixture.FailedBackup.Id}").ToString());
        Assert.Equal("failed", await page.InnerTextAsync("#status"));
        Assert.Contains(fixture.FailedBackup.FailureReason!, await page.InnerTextAsync("#checks"));

        await page.GotoAsync(fixture.Url($"/ui/gates/{fixture.Gate.Id}").ToString());
        Assert.Equal(GateStatus.Open.ToWire(), await page.InnerTextAsync("#status"));
        Assert.Equal(fixture.Gate.Reasons.Count, await page.Locator("#reasons li").CountAsync());
        await page.ClickAsync("#evidence a");
        await page.WaitForURLAsync(fixture.Url($"/ui/backups/{fixture.Gate.BackupId}").ToString());
        Assert.Contains("pre-upgrade", await page.InnerTextAsync(".sub"));
        Assert.Contains(ConsoleFixture.RunningRelease, await page.InnerTextAsync(".sub"));
    }

    [Fact]
    public async Task the_trends_draw_backup_size_duration_and_rto_as_charts_with_a_point_per_backup_and_drill()
    {
        var page = await fixture.SignedInPageAsync(Roles.Reader);
        await page.GotoAsync(fixture.Url($"/ui/db/{ConsoleFixture.Environment}/{ConsoleFixture.Database}").ToString());
        await page.ClickAsync("#trends-link");
        await page.WaitForURLAsync(new Regex("/trends$"));

        // Two backups of staging/app were taken (manual, and the gate's pre-upgrade one): two points on each backup chart.
        Assert.Equal(2, await page.Locator("#chart-size svg circle.point").CountAsync());
        Assert.Equal(2, await page.Locator("#chart-duration svg circle.point").CountAsync());
        Assert.Equal(1, await page.Locator("#chart-size svg polyline").CountAsync());
        // The drill's RTO, linked to the drill.
        var rto = page.Locator("#chart-rto svg a circle.point.drill");
        Assert.Equal(1, await rto.CountAsync());
        Assert.Equal($"/ui/drills/{fixture.Drill.Id}", await page.Locator("#chart-rto svg a").First.GetAttributeAsync("href"));
        Assert.Contains("RTO", await rto.Locator("title").TextContentAsync());
        // The points are drawn inside the chart, not piled on its edge.
        var box = await page.Locator("#chart-size svg").BoundingBoxAsync();
        foreach (var point in await page.Locator("#chart-size svg circle.point").AllAsync())
        {
            var p = (await point.BoundingBoxAsync())!;
            Assert.InRange(p.X, box!.X, box.X + box.Width);
            Assert.InRange(p.Y, box.Y, box.Y + box.Height);
        }

        await Screenshots.TakeAsync(page, "trends-live");

        // Fifteen months of (synthetic) history: the newest 200 backups taken, three drills and the target between them.
        await page.GotoAsync(fixture.Url($"/ui/db/{SyntheticHistory.Environment}/{SyntheticHistory.Database}/trends").ToString());
        Assert.Equal(TrendsPoints, await page.Locator("#chart-size svg circle.point").CountAsync());
        Assert.Equal(3, await page.Locator("#chart-rto svg circle.point.drill").CountAsync());
        Assert.Equal(1, await page.Locator("#chart-rto svg line.target").CountAsync());
        await Screenshots.TakeAsync(page, "trends");

        await page.GotoAsync(fixture.Url($"/ui/db/{SyntheticHistory.Environment}/{SyntheticHistory.Database}").ToString());
        Assert.Equal(50, await page.Locator("#timeline tbody tr[data-kind='scheduled backup']").CountAsync());
        Assert.True(await page.Locator("#older").CountAsync() == 1);
        await Screenshots.TakeAsync(page, "timeline-history");
    }

    private const int TrendsPoints = Ledger.Api.OperatorConsole.Pages.TrendsModel.Points;

    [Fact]
    public async Task the_compliance_page_shows_the_figures_of_dgledger_report_drills()
    {
        var cli = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--format", "json");
        var report = JsonSerializer.Deserialize<DrillComplianceReport>(cli.Out, Json)!;
        Assert.False(report.Compliant);

        var page = await fixture.SignedInPageAsync(Roles.Reader);
        await page.ClickAsync("header nav a[href='/ui/compliance']");
        await page.WaitForURLAsync(fixture.Url("/ui/compliance").ToString());
        Assert.Equal("NOT COMPLIANT", await page.InnerTextAsync("#verdict"));
        Assert.Equal(report.Lines.Count, await page.Locator("#report tbody tr").CountAsync());
        foreach (var line in report.Lines)
        {
            var row = page.Locator($"#report tr[data-env='{line.Environment}'][data-db='{line.Database}']");
            async Task<string> Field(string name) => (await row.Locator($"td[data-field='{name}']").InnerTextAsync()).Trim();

            Assert.Equal(line.DrillsRun.ToString(CultureInfo.InvariantCulture), await Field("drills-run"));
            Assert.Equal(line.PassRate is { } rate ? rate.ToString("P0", CultureInfo.InvariantCulture) : "–", await Field("pass-rate"));
            Assert.Equal(line.MedianRtoSeconds is { } median ? $"{median} s" : "–", await Field("median-rto"));
            Assert.Equal(line.WorstRtoSeconds is { } worst ? $"{worst} s" : "–", await Field("worst-rto"));
            Assert.Equal(line.ManualSteps.ToString(CultureInfo.InvariantCulture), await Field("manual-steps"));
            Assert.Equal(line.DaysWithoutBackup.Count.ToString(CultureInfo.InvariantCulture), await Field("days-without-backup"));
            Assert.Equal(line.UpgradesWithoutPreUpgradeBackup.Count.ToString(CultureInfo.InvariantCulture), await Field("upgrades-without"));
            Assert.Equal(line.NewestVerifiedBackupId?.ToString() ?? "–", await Field("newest-verified"));
            Assert.Equal(string.Join(" ", line.Controls.Where(c => !c.Passed).Select(c => c.Control)), await Field("failed-controls"));
            foreach (var control in line.Controls)
            {
                var cells = page.Locator($"[id='controls-{line.Environment}-{line.Database}'] + table tr[data-control='{control.Control}'] td");
                Assert.Equal(control.Detail, await cells.Nth(2).InnerTextAsync());
            }
        }

        await Screenshots.TakeAsync(page, "compliance");
    }

    [Fact]
    public async Task no_page_renders_a_token_or_a_password()
    {
        var page = await fixture.SignedInPageAsync(Roles.Admin);
        var ledgerPassword = new NpgsqlConnectionStringBuilder(
            Ledger.Postgres.PgConnectionStrings.Normalize(fixture.Stack.LedgerConnectionString)).Password;
        string[] secrets = [.. fixture.Stack.Tokens.Values, ConsoleFixture.BrokenPassword, .. ledgerPassword is { Length: > 0 } p ? [p] : Array.Empty<string>()];
        string[] routes =
        [
            "/ui", "/ui/compliance", $"/ui/db/{ConsoleFixture.Environment}/{ConsoleFixture.Database}",
            $"/ui/db/{ConsoleFixture.BrokenEnvironment}/{ConsoleFixture.BrokenDatabase}",
            $"/ui/db/{ConsoleFixture.Environment}/{ConsoleFixture.Database}/trends", $"/ui/backups/{fixture.VerifiedBackup.Id}",
            $"/ui/backups/{fixture.FailedBackup.Id}", $"/ui/drills/{fixture.Drill.Id}", $"/ui/restores/{fixture.Drill.RestoreId}",
            $"/ui/gates/{fixture.Gate.Id}",
        ];
        foreach (var route in routes)
        {
            var response = await page.GotoAsync(fixture.Url(route).ToString());
            Assert.Equal(200, response!.Status);
            Assert.Contains("no-store", response.Headers["cache-control"], StringComparison.Ordinal);
            Assert.Contains("default-src 'none'", response.Headers["content-security-policy"], StringComparison.Ordinal);
            var html = await page.ContentAsync();
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
            }
        }
    }
}
