using System.Security.Cryptography;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Ledger.Contracts.Restores;
using Marten;

namespace Ledger.ConsoleTests;

/// <summary>
/// A past the live stack cannot have: fifteen months of one database's scheduled backups (a few missed), drills and a gate, appended through the
/// ledger's own Marten store (its inline projections write the read models as in production). It gives the compliance
/// report restore points long before its window, which is what <c>ComplianceInputsQuery</c> must read sparingly without
/// changing a figure, and it gives the charts a history.
/// </summary>
public static class SyntheticHistory
{
    public const string Environment = "archive";
    public const string Database = "ledger_app";
    /// <summary>A database last backed up before the report's window: it must stay on the report.</summary>
    public const string Retired = "retired_app";

    public sealed record Appended(Guid OldGateBackup, Guid Gate, IReadOnlyList<Guid> Drills);

    public static async Task<Appended> AppendAsync(IDocumentStore store, DateTimeOffset now)
    {
        await using var session = store.LightweightSession();
        var backups = new List<(Guid Id, DateTimeOffset At)>();
        // 460 days of daily scheduled backups, every fifth day of the last month missed, one failure, sizes that grow.
        for (var age = 460; age >= 1; age--)
        {
            var at = now.Date.AddDays(-age).AddHours(2);
            if (age <= 30 && age % 5 == 0)
            {
                var missed = Guid.CreateVersion7();
                var due = new DateTimeOffset(at, TimeSpan.Zero);
                session.Events.StartStream<RestorePoint>(missed,
                    new BackupRequested(missed, Environment, Database, BackupTriggers.Scheduled, null, "scheduler", due, ScheduledFor: due),
                    new BackupMissed(missed, Environment, Database, due, due.AddHours(1), "no agent took it by its deadline", due.AddHours(1)));
                continue;
            }

            var failed = age == 12;
            var id = Guid.CreateVersion7();
            session.Events.StartStream<RestorePoint>(id, Backup(id, Environment, Database, new DateTimeOffset(at, TimeSpan.Zero),
                20_000_000 + ((460 - age) * 40_000L), 30_000 + ((age * 7919) % 20_000), failed));
            backups.Add((id, at));
        }

        for (var age = 520; age >= 500; age--)
        {
            var id = Guid.CreateVersion7();
            session.Events.StartStream<RestorePoint>(id, Backup(id, Environment, Retired,
                new DateTimeOffset(now.Date.AddDays(-age).AddHours(3), TimeSpan.Zero), 5_000_000, 12_000, failed: false));
        }

        // A gate opened five days ago on a scheduled backup from before the window: an upgrade without a pre-upgrade backup.
        var oldBackup = backups.First(b => b.At < now.AddDays(-420)).Id;
        var gate = GateIds.For(Environment, Database, "0.9.0");
        var requested = now.AddDays(-5);
        session.Events.StartStream<GateView>(gate,
            new GateRequested(gate, 1, Environment, Database, "0.9.0", "0.8.3", 3600, 1800, null, "synthetic", requested),
            new GateOpened(gate, 1, oldBackup, 3600, requested, "a verified backup existed (synthetic history)", requested.AddSeconds(2)));

        // Three drills: the last one over the RTO target.
        var drills = new List<Guid>();
        foreach (var (age, rtoSeconds) in new[] { (200, 600L), (100, 900L), (20, 4000L) })
        {
            var id = Guid.CreateVersion7();
            var started = now.AddDays(-age);
            var backup = backups.Last(b => b.At < started).Id;
            session.Events.StartStream<DrillView>(id,
                new DrillStarted(id, Environment, Database, Database + "_drill", backup, started.AddHours(-3), ["none"], false, "synthetic", started),
                new DrillCompleted(id, Guid.CreateVersion7(), true, rtoSeconds * 1000, 3 * 3600,
                    [new VerificationCheck("fidelity", "passed", "identical to the backup", [], 1200)], ["none"], DrillTargetOutcome.Dropped,
                    started.AddSeconds(rtoSeconds)));
            drills.Add(id);
        }

        await session.SaveChangesAsync();
        return new Appended(oldBackup, gate, drills);
    }

    private static object[] Backup(Guid id, string environment, string database, DateTimeOffset requestedAt, long size, long durationMs, bool failed)
    {
        const string agent = "synthetic-agent";
        var started = requestedAt.AddSeconds(1);
        var finished = started.AddMilliseconds(durationMs);
        var requestedEvent = new BackupRequested(id, environment, database, BackupTriggers.Scheduled, null, "scheduler", requestedAt,
            ScheduledFor: requestedAt);
        if (failed)
        {
            return [requestedEvent, new BackupStarted(id, agent, started), new BackupFailed(id, agent, "pg_dump exited 1: connection refused", null, finished)];
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(id.ToByteArray()));
        return
        [
            requestedEvent,
            new BackupStarted(id, agent, started),
            new BackupTaken(id, environment, database, BackupTriggers.Scheduled, null, agent, started, finished, durationMs,
                $"/var/backups/dgledger/{environment}/{database}/{database}-{started:yyyyMMdd-HHmmss}-{id}.dump", size, sha,
                "pg_dump (PostgreSQL) 15.8", "15.8", ["--format=custom", "--compress=1"], [new TableRowCount("public", "items", size / 100)]),
            new BackupVerified(id, agent, sha, 1, durationMs / 5, finished.AddSeconds(2)),
        ];
    }
}
