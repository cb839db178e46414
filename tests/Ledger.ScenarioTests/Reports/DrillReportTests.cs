using System.Net;
using System.Text.Json;
using Ledger.Api.Backups;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;

namespace Ledger.ScenarioTests.Reports;

/// <summary>
/// Synthetic ledger history appended straight to the event store (daily backups, drills), reported through the real
/// HTTP surface and the CLI: one environment overdue, one passing.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_the_drill_report_covers_an_overdue_and_a_passing_environment(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Verified scheduled backups at 02:00 UTC on each of the last <paramref name="days"/> days (not today).</summary>
    internal static async Task<List<Guid>> SeedDailyBackupsAsync(LedgerFixture fixture, string environment, int days)
    {
        var ids = new List<Guid>();
        var today = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        await using var session = fixture.Store.LightweightSession();
        for (var day = 1; day <= days; day++)
        {
            var id = Guid.NewGuid();
            var at = today.AddDays(-day).AddHours(2);
            session.Events.StartStream<Backup>(id,
                new BackupRequested(id, environment, "app", BackupTriggers.Scheduled, "r1", "scheduler", at),
                new BackupStarted(id, "a", at),
                new BackupTaken(id, environment, "app", BackupTriggers.Scheduled, "r1", "a", at, at.AddMinutes(1), 60_000,
                    "/x.dump", 10, "00", "pg_dump 16", "16", [], []),
                new BackupVerified(id, "a", "00", 0, 10, at.AddMinutes(2)));
            ids.Add(id);
        }

        await session.SaveChangesAsync();
        return ids;
    }

    /// <summary>A drill that ran <paramref name="daysAgo"/> days ago and passed in <paramref name="rtoMs"/>.</summary>
    internal static async Task<Guid> SeedPassedDrillAsync(LedgerFixture fixture, string environment, Guid backupId, int daysAgo, long rtoMs)
    {
        var id = Guid.NewGuid();
        var at = DateTimeOffset.UtcNow.AddDays(-daysAgo);
        await using var session = fixture.Store.LightweightSession();
        session.Events.StartStream(id,
            new DrillStarted(id, environment, "app", "app_drill", backupId, at.AddHours(-6), [], false, "ops", at),
            new DrillCompleted(id, Guid.NewGuid(), true, rtoMs, 6 * 3600,
                [new VerificationCheck("fidelity", CheckOutcomes.Passed, "identical", [], 10)], [], DrillTargetOutcome.Kept, at.AddMilliseconds(rtoMs)));
        await session.SaveChangesAsync();
        return id;
    }

    private static string NewEnvironment(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task the_cli_fails_on_the_overdue_environment_passes_the_drilled_one_and_cites_the_proving_ids()
    {
        var passing = NewEnvironment("cmp-ok");
        var overdue = NewEnvironment("cmp-late");
        var okBackups = await SeedDailyBackupsAsync(fixture, passing, 8);
        var lateBackups = await SeedDailyBackupsAsync(fixture, overdue, 8);
        var recent = await SeedPassedDrillAsync(fixture, passing, okBackups[0], 3, 120_000);
        var old = await SeedPassedDrillAsync(fixture, overdue, lateBackups[0], 40, 90_000);

        var ok = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--since", "60d", "--env", passing);
        Assert.True(ok.ExitCode == ExitCodes.Ok, ok.Out + ok.Error);
        Assert.Contains(": compliant", ok.Out);
        Assert.Contains($"{passing}/app drill-cadence: PASS: last drill 3 days ago", ok.Out);
        Assert.Contains(recent.ToString(), ok.Out);
        Assert.Contains(okBackups[0].ToString(), ok.Out); // the daily-backup control cites the backups of the days it covers

        var late = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--since", "60d", "--env", overdue, "--format", "json");
        Assert.Equal(ExitCodes.ComplianceFailed, late.ExitCode);
        Assert.Contains("not compliant", late.Error);
        var report = JsonSerializer.Deserialize<DrillComplianceReport>(late.Out, Json)!;
        var line = Assert.Single(report.Lines);
        Assert.Equal((overdue, "app", true, 40), (line.Environment, line.Database, line.DrillOverdue, line.DaysSinceLastDrill!.Value));
        Assert.Equal(lateBackups[0], line.NewestVerifiedBackupId);
        Assert.Empty(line.DaysWithoutBackup);
        var cadence = Assert.Single(line.Controls, c => !c.Passed);
        Assert.Equal((ComplianceControls.DrillCadence, old), (cadence.Control, Assert.Single(cadence.Evidence)));

        var both = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--since", "60d", "--format", "csv");
        Assert.Equal(ExitCodes.ComplianceFailed, both.ExitCode);
        Assert.Contains($"{passing},app,drill-cadence,PASS,", both.Out);
        Assert.Contains($"{overdue},app,drill-cadence,FAIL,", both.Out);

        var html = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--since", "60d", "--env", passing, "--format", "html");
        Assert.Equal(ExitCodes.Ok, html.ExitCode);
        Assert.Contains($"<h2>{passing}</h2>", html.Out);
        Assert.Contains("<circle ", html.Out);
    }

    [Fact]
    public async Task the_api_refuses_a_window_it_cannot_read_and_requires_a_token()
    {
        using var reader = fixture.Stack.Client(Roles.Reader);
        Assert.Equal(HttpStatusCode.BadRequest, (await reader.GetAsync("/api/v1/reports/drills?since=soon")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/v1/reports/drills?since=30d")).StatusCode);
        using var anonymous = fixture.Stack.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/reports/drills")).StatusCode);

        var usage = await fixture.RunCliAsync(Roles.Reader, "report", "drills", "--format", "pdf");
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
    }
}
