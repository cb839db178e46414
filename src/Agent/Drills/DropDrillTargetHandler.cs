using System.Diagnostics;
using Ledger.Agent.Recovery;
using Ledger.Agent.Restores;
using Ledger.Contracts.Drills;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.Agent.Drills;

/// <summary>
/// Drops a drill target once its drill has ended. The agent re-checks what the ledger decided: it never drops a
/// database it manages (any configured database on the same server), the maintenance database or the ledger's own, and
/// it drops only a database that carries the mark an agent wrote when the drill's restore created it
/// (<see cref="TargetServer.CreatedMarkerFor"/>): a forged or replayed drop of any other database is refused.
/// </summary>
public static class DropDrillTargetHandler
{
    /// <summary>Why this target must not be dropped by this agent, or null when it may be.</summary>
    public static async Task<string?> RefusalAsync(DropDrillTarget command, AgentOptions options, TargetGuards guards, CancellationToken ct)
    {
        var target = command.Target;
        var host = options.Find(target.Environment, target.HostDatabase);
        return host is null
            ? $"agent '{options.Id}' does not manage {target.Environment}/{target.HostDatabase}, the server the target is on"
            : await guards.RefusalAsync(host, target, TargetGuards.Use.Drop, ct);
    }

    /// <summary>
    /// Why the database is not the drill's own (null when its comment is the mark of the drill's restore, or, for a drop
    /// sent before drops named their restore, of any restore).
    /// </summary>
    public static string? NotCreatedByTheDrill(DropDrillTarget command, string? comment)
    {
        var created = command.RestoreId is { } restoreId
            ? comment == TargetServer.CreatedMarkerFor(restoreId)
            : comment?.StartsWith(TargetServer.CreatedMarkerPrefix, StringComparison.Ordinal) == true;
        return created
            ? null
            : $"'{command.Target.Database}' was not created by this drill's restore{(command.RestoreId is { } id ? $" ({id})" : "")}: it does not carry the mark an agent writes on a database it creates, so it is kept";
    }

    /// <summary>The drop, at most once per drill (journalled); one the agent died in is finished by recovery at its restart.</summary>
    public static Task<object[]> Handle(DropDrillTarget command, AgentOptions options, TargetGuards guards, OperationJournal journal,
        TimeProvider clock, ILogger<DropDrillTarget> log, CancellationToken ct) =>
        journal.RunOnceAsync(Steps.Drop, command.DrillId, Phases.DrillDrop, command, clock, async _ =>
        {
            await FailPoints.ReachAsync(Phases.DrillDrop);
            return [await DropAsync(command, options, guards, clock, log, ct)];
        });

    public static async Task<object> DropAsync(DropDrillTarget command, AgentOptions options, TargetGuards guards, TimeProvider clock,
        ILogger<DropDrillTarget> log, CancellationToken ct)
    {
        var target = command.Target;
        if (await RefusalAsync(command, options, guards, ct) is { } refusal)
        {
            log.LogWarning("Drill {DrillId}: not dropping {Environment}/{Database}: {Reason}", command.DrillId, target.Environment, target.Database, refusal);
            return new DrillTargetDropFailed(command.DrillId, options.Id, target.Environment, target.Database, refusal, clock.GetUtcNow());
        }

        var watch = Stopwatch.StartNew();
        try
        {
            await using var server = await TargetServer.OpenAsync(options.Find(target.Environment, target.HostDatabase)!, target.Database, ct);
            if ((await server.DescribeAsync(ct)).Exists && NotCreatedByTheDrill(command, await server.CommentAsync(ct)) is { } notCreated)
            {
                log.LogWarning("Drill {DrillId}: not dropping {Environment}/{Database}: {Reason}", command.DrillId, target.Environment, target.Database, notCreated);
                return new DrillTargetDropFailed(command.DrillId, options.Id, target.Environment, target.Database, notCreated, clock.GetUtcNow());
            }

            var existed = await server.DropAsync(ct);
            log.LogInformation("Drill {DrillId}: dropped {Environment}/{Database}", command.DrillId, target.Environment, target.Database);
            return new DrillTargetDropped(command.DrillId, options.Id, target.Environment, target.Database, existed,
                watch.ElapsedMilliseconds, clock.GetUtcNow());
        }
        catch (NpgsqlException e)
        {
            return new DrillTargetDropFailed(command.DrillId, options.Id, target.Environment, target.Database, e.Message, clock.GetUtcNow());
        }
    }
}
