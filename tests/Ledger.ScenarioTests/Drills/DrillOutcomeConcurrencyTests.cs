using JasperFx;
using Ledger.Api.Drills;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Ledger.ScenarioTests.Drills;

/// <summary>The drill's write model on the real event store: late, repeated and concurrent reports.</summary>
[Collection(LedgerCollection.Name)]
public sealed class when_a_drill_hears_about_its_restore_more_than_once(LedgerFixture fixture)
{
    private IMessageBus Bus => fixture.Stack.Ledger.Services.GetRequiredService<IMessageBus>();

    /// <summary>A drill stream as the ledger starts one, in an environment of its own (no agent; nothing is sent for it to act on).</summary>
    private async Task<Guid> StartedDrillAsync(bool keep)
    {
        var id = Guid.CreateVersion7();
        await using var session = fixture.Store.LightweightSession();
        session.Events.StartStream<Drill>(id, new DrillStarted(id, "concurrency", "app", "app_drill", Guid.NewGuid(),
            DateTimeOffset.UtcNow.AddHours(-1), [], keep, "test", DateTimeOffset.UtcNow, "concurrency"));
        await session.SaveChangesAsync();
        return id;
    }

    private static RestoreFinished Finished(Guid drillId, RestoreStatus status) =>
        new(drillId, Guid.NewGuid(), status, status == RestoreStatus.Verified ? null : "pg_restore: disk full", 1_000, 500, DateTimeOffset.UtcNow);

    [Fact]
    public async Task of_two_outcomes_appended_at_the_same_version_the_second_fails_on_the_expected_version()
    {
        var id = await StartedDrillAsync(keep: true);
        await using var first = fixture.Store.LightweightSession();
        await using var second = fixture.Store.LightweightSession();
        // Both read the drill while it runs, both decide, each appends at the version it read.
        await DrillOutcomeHandler.Handle(Finished(id, RestoreStatus.Verified), first, CancellationToken.None);
        await DrillOutcomeHandler.Handle(Finished(id, RestoreStatus.Failed), second, CancellationToken.None);

        await first.SaveChangesAsync();
        await Assert.ThrowsAnyAsync<ConcurrencyException>(() => second.SaveChangesAsync());

        Assert.Equal(["DrillStarted", "DrillCompleted"], await DrillWaits.EventTypesAsync(fixture, id));
    }

    [Fact]
    public async Task concurrent_outcomes_through_the_bus_leave_one_verdict_and_a_late_or_repeated_report_changes_nothing()
    {
        var id = await StartedDrillAsync(keep: true);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            Bus.InvokeAsync(Finished(id, i % 2 == 0 ? RestoreStatus.Verified : RestoreStatus.Failed))));

        var events = await DrillWaits.EventTypesAsync(fixture, id);
        Assert.Equal("DrillStarted", events[0]);
        Assert.Single(events, e => e is "DrillCompleted" or "DrillFailed");
        Assert.Equal(2, events.Count);

        // Late and repeated reports: another outcome, and a drop report the drill never asked for (it kept its target).
        await Bus.InvokeAsync(Finished(id, RestoreStatus.Verified));
        await Bus.InvokeAsync(new DrillTargetDropped(id, "someone", "concurrency", "app_drill", true, 1, DateTimeOffset.UtcNow));
        await Bus.InvokeAsync(new DrillTargetDropFailed(id, "someone", "concurrency", "app_drill", "late", DateTimeOffset.UtcNow));
        Assert.Equal(events, await DrillWaits.EventTypesAsync(fixture, id));

        await using var session = fixture.Store.QuerySession();
        var view = (await session.LoadAsync<DrillView>(id))!;
        Assert.Equal((DrillTargetOutcome.Kept, "concurrency"), (view.TargetOutcome!.Value, view.TargetEnvironment));
        Assert.True(view.Status.IsFinal());
    }
}
