using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Api.Schedules;
using Ledger.Cli;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Ledger.ScenarioTests.Schedules;

[Collection(LedgerCollection.Name)]
public sealed class when_the_schedule_comes_due(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private Task TickAsync(DateTimeOffset now) =>
        fixture.Stack.Ledger.Services.GetRequiredService<IMessageBus>().InvokeAsync(new RunScheduleTick(now));

    private async Task<RestorePoint?> LoadAsync(Guid id)
    {
        await using var session = fixture.Store.QuerySession();
        return await session.LoadAsync<RestorePoint>(id);
    }

    private async Task<RestorePoint> WaitForFinalAsync(Guid id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (await LoadAsync(id) is { } rp && rp.Status.IsFinal())
            {
                return rp;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"backup {id} did not finish");
    }

    [Fact]
    public async Task the_due_backup_is_requested_once_taken_by_its_agent_and_an_unrequested_past_one_is_recorded_missed()
    {
        // The fixture's databases use the default schedule, 02:00 UTC daily.
        var occurrence = new DateTimeOffset(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);
        await TickAsync(occurrence.AddSeconds(1));
        await TickAsync(occurrence.AddSeconds(2)); // a repeated tick changes nothing

        var todayId = ScheduleRules.BackupIdFor("staging", "app", occurrence);
        var taken = await WaitForFinalAsync(todayId);
        Assert.Equal((BackupStatus.Verified, BackupTriggers.Scheduled, occurrence), (taken.Status, taken.Trigger, taken.ScheduledFor));
        Assert.False(taken.Missed);

        var yesterday = await LoadAsync(ScheduleRules.BackupIdFor("staging", "app", occurrence.AddDays(-1)));
        Assert.Equal(BackupStatus.Missed, yesterday!.Status);
        Assert.Contains("never requested", yesterday.FailureReason);

        await using var session = fixture.Store.QuerySession();
        Assert.Equal(1, await session.Query<RestorePoint>().CountAsync(x => x.ScheduledFor == occurrence && x.Database == "app" && x.Environment == "staging"));

        // After the deadline a taken backup is not missed.
        await TickAsync(occurrence.AddHours(1.5));
        Assert.False((await LoadAsync(todayId))!.Missed);
    }

    [Fact]
    public async Task a_scheduled_backup_that_failed_becomes_BackupMissed_after_its_deadline_and_is_listed_as_missed()
    {
        var occurrence = new DateTimeOffset(2026, 4, 1, 2, 0, 0, TimeSpan.Zero);
        await TickAsync(occurrence.AddSeconds(1));
        var id = ScheduleRules.BackupIdFor(LedgerFixture.BrokenEnvironment, LedgerFixture.BrokenDatabase, occurrence);
        Assert.Equal(BackupStatus.Failed, (await WaitForFinalAsync(id)).Status);

        await TickAsync(occurrence.AddHours(1).AddSeconds(1));

        var missed = (await LoadAsync(id))!;
        Assert.True(missed.Missed);
        Assert.Equal(BackupStatus.Missed, missed.Status);
        var list = await fixture.RunCliAsync(Roles.Reader, "backups", "list", "--env", LedgerFixture.BrokenEnvironment, "--missed", "--json");
        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        var page = JsonSerializer.Deserialize<Page<RestorePoint>>(list.Out, Json)!;
        Assert.Contains(page.Items, rp => rp.Id == id);
        Assert.All(page.Items, rp => Assert.True(rp.Missed));
        using var client = fixture.Stack.Client(Roles.Reader);
        var detail = await client.GetFromJsonAsync<BackupDetail>($"/api/v1/backups/{id}", Json);
        Assert.Equal("BackupMissed", detail!.History[^1].Type);
    }

    [Fact]
    public async Task two_backups_of_one_database_never_run_at_the_same_time()
    {
        using var client = fixture.Stack.Client(Roles.Operator);
        var requests = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            client.PostAsJsonAsync("/api/v1/backups", new RequestBackup("staging", "app"))));
        var ids = new List<Guid>();
        foreach (var response in requests)
        {
            ids.Add((await response.Content.ReadFromJsonAsync<BackupAccepted>(Json))!.BackupId);
        }

        var done = new List<RestorePoint>();
        foreach (var id in ids)
        {
            done.Add(await WaitForFinalAsync(id));
        }

        Assert.All(done, rp => Assert.Equal(BackupStatus.Verified, rp.Status));
        var ordered = done.OrderBy(rp => rp.StartedAt).ToList();
        Assert.True(ordered[1].StartedAt >= ordered[0].FinishedAt,
            $"overlap: {ordered[0].StartedAt:O}-{ordered[0].FinishedAt:O} and {ordered[1].StartedAt:O}");
    }
}
