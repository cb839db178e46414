using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Marten;

namespace Ledger.ScenarioTests.Drills;

/// <summary>Waits on the ledger's read model for a drill to have its verdict and its target's fate.</summary>
public static class DrillWaits
{
    public static async Task<DrillView> SettledAsync(LedgerFixture fixture, Guid drillId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        DrillView? last = null;
        while (DateTime.UtcNow < deadline)
        {
            await using (var session = fixture.Store.QuerySession())
            {
                last = await session.LoadAsync<DrillView>(drillId);
            }

            if (last is not null && last.Status.IsFinal() && !DrillTargetOutcomes.IsPending(last.TargetOutcome))
            {
                return last;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"drill {drillId} did not settle: {(last is null ? "no drill" : last.Status.ToWire())} / {last?.TargetOutcome}");
    }

    public static async Task<IReadOnlyList<string>> EventTypesAsync(LedgerFixture fixture, Guid streamId)
    {
        await using var session = fixture.Store.QuerySession();
        return [.. (await session.Events.FetchStreamAsync(streamId)).Select(e => e.EventType.Name)];
    }
}
