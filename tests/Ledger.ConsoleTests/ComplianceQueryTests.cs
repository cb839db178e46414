using System.Text.Json;
using Ledger.Api.Reports;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Marten;

namespace Ledger.ConsoleTests;

/// <summary>The report's inputs, read sparingly for the console and the API, against every restore point of the ledger.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class when_the_compliance_report_reads_its_inputs(ConsoleFixture fixture)
{
    [Fact]
    public async Task it_reads_only_the_restore_points_the_report_can_use_and_every_figure_is_the_one_all_of_them_give()
    {
        var now = DateTimeOffset.UtcNow;
        var since = now.AddDays(-365);
        var policy = new DrillPolicy(30, 3600, 1.0);
        await using var session = fixture.Store.QuerySession();

        var sparing = await ComplianceInputsQuery.LoadAsync(session, since, CancellationToken.None);
        var everything = new ComplianceInputs(
            await session.Query<AgentStatus>().ToListAsync(),
            [.. (await session.Query<RestorePoint>().ToListAsync()).OrderBy(b => b.Timestamp).ThenBy(b => b.Id).Select(AtDatabasePrecision)],
            await session.Query<DrillView>().ToListAsync(),
            await session.Query<GateView>().ToListAsync());

        var expected = DrillCompliance.Compute(everything, policy, since, now);
        var actual = DrillCompliance.Compute(sparing, policy, since, now);

        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));
        // The synthetic past has about a hundred verified restore points before the window; two of them are needed.
        Assert.InRange(everything.Backups.Count - sparing.Backups.Count, 90, 200);
        var retired = Assert.Single(actual.Lines, l => l is { Environment: SyntheticHistory.Environment, Database: SyntheticHistory.Retired });
        Assert.NotNull(retired.NewestVerifiedBackupId);
        var archive = Assert.Single(actual.Lines, l => l is { Environment: SyntheticHistory.Environment, Database: SyntheticHistory.Database });
        Assert.Equal([fixture.History.Gate], archive.UpgradesWithoutPreUpgradeBackup);
        Assert.Contains(sparing.Backups, b => b.Id == fixture.History.OldGateBackup);
    }

    [Fact]
    public async Task the_inputs_of_a_few_databases_give_each_of_them_the_line_of_the_whole_report()
    {
        var now = DateTimeOffset.UtcNow;
        var since = now.AddDays(-365);
        var policy = new DrillPolicy(30, 3600, 1.0);
        await using var session = fixture.Store.QuerySession();
        var whole = DrillCompliance.Compute(await ComplianceInputsQuery.LoadAsync(session, since, CancellationToken.None), policy, since, now);
        Assert.True(whole.Lines.Count >= 4);

        // Two databases at a time, as the overview pages them.
        foreach (var chunk in whole.Lines.Select(l => (l.Environment, l.Database)).Chunk(2))
        {
            var inputs = await ComplianceInputsQuery.LoadForAsync(session, since, chunk, CancellationToken.None);
            var lines = DrillCompliance.Compute(inputs, policy, since, now).Lines.Where(l => chunk.Contains((l.Environment, l.Database)));
            Assert.Equal(
                JsonSerializer.Serialize(whole.Lines.Where(l => chunk.Contains((l.Environment, l.Database)))),
                JsonSerializer.Serialize(lines));
        }
    }

    /// <summary>
    /// The sparing query selects a restore point's times from PostgreSQL columns, which keep microseconds; the documents
    /// keep .NET's 100 ns ticks. Only a time printed to the seventh decimal could tell them apart.
    /// </summary>
    private static RestorePoint AtDatabasePrecision(RestorePoint b) => b with
    {
        Timestamp = Microseconds(b.Timestamp),
        RequestedAt = Microseconds(b.RequestedAt),
        ScheduledFor = b.ScheduledFor is { } at ? Microseconds(at) : null,
    };

    private static DateTimeOffset Microseconds(DateTimeOffset at) => new(at.Ticks - (at.Ticks % 10), at.Offset);
}
