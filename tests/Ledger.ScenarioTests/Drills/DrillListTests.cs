using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.ScenarioTests.Reports;

namespace Ledger.ScenarioTests.Drills;

[Collection(LedgerCollection.Name)]
public sealed class when_drills_are_listed(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task only_the_environments_drills_come_back_newest_first_with_none_recorded_for_manual_steps()
    {
        var environment = "drl-" + Guid.NewGuid().ToString("N")[..8];
        var other = "drl-" + Guid.NewGuid().ToString("N")[..8];
        var backups = await when_the_drill_report_covers_an_overdue_and_a_passing_environment.SeedDailyBackupsAsync(fixture, environment, 1);
        var older = await when_the_drill_report_covers_an_overdue_and_a_passing_environment.SeedPassedDrillAsync(fixture, environment, backups[0], 5, 60_000);
        var newer = await when_the_drill_report_covers_an_overdue_and_a_passing_environment.SeedPassedDrillAsync(fixture, environment, backups[0], 1, 30_000);
        await when_the_drill_report_covers_an_overdue_and_a_passing_environment.SeedPassedDrillAsync(fixture, other, backups[0], 1, 30_000);

        var run = await fixture.RunCliAsync(Roles.Reader, "drills", "list", "--env", environment, "--json");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var drills = JsonSerializer.Deserialize<List<DrillView>>(run.Out, Json)!;
        Assert.Equal([newer, older], drills.Select(d => d.Id));
        Assert.All(drills, d => Assert.Equal([ManualSteps.None], d.ManualSteps));
        Assert.Equal((DrillStatus.Passed, 30_000L, 21_600L), (drills[0].Status, drills[0].RtoMs!.Value, drills[0].RpoSeconds!.Value));

        var table = await fixture.RunCliAsync(Roles.Reader, "drills", "list", "--env", environment);
        Assert.Equal(ExitCodes.Ok, table.ExitCode);
        Assert.Contains(newer.ToString("N")[..8], table.Out);
        Assert.DoesNotContain(other, table.Out);
    }
}
