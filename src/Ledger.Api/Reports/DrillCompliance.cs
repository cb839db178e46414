using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;

namespace Ledger.Api.Reports;

/// <summary>What the compliance report is computed from: the ledger's read models, as queried.</summary>
public sealed record ComplianceInputs(
    IReadOnlyList<AgentStatus> Agents,
    IReadOnlyList<RestorePoint> Backups,
    IReadOnlyList<DrillView> Drills,
    IReadOnlyList<GateView> Gates);

/// <summary>
/// The drill-cadence compliance report as a pure function of the ledger's history: one line per (environment,
/// database) known from agents' announcements, backups, drills or gates, each control with its verdict and evidence.
/// </summary>
public static class DrillCompliance
{
    public static DrillComplianceReport Compute(ComplianceInputs inputs, DrillPolicy policy, DateTimeOffset since,
        DateTimeOffset now, string? environment = null)
    {
        var keys = inputs.Agents.SelectMany(a => a.Databases.Select(d => (d.Environment, Database: d.Name)))
            .Concat(inputs.Backups.Select(b => (b.Environment, b.Database)))
            .Concat(inputs.Drills.Select(d => (d.Environment, d.Database)))
            .Concat(inputs.Gates.Select(g => (g.Environment, g.Database)))
            .Where(k => environment is null || k.Environment == environment)
            .Distinct()
            .OrderBy(k => k.Environment, StringComparer.Ordinal).ThenBy(k => k.Database, StringComparer.Ordinal)
            .ToList();

        var backupsById = inputs.Backups.GroupBy(b => b.Id).ToDictionary(g => g.Key, g => g.First());
        var lines = keys.Select(k => Line(k.Environment, k.Database, inputs, backupsById, policy, since, now)).ToList();
        return new DrillComplianceReport(now, since, policy, lines.All(l => l.Compliant), lines);
    }

    private static DatabaseCompliance Line(string environment, string database, ComplianceInputs inputs,
        IReadOnlyDictionary<Guid, RestorePoint> backupsById, DrillPolicy policy, DateTimeOffset since, DateTimeOffset now)
    {
        bool Mine(string env, string db) => env == environment && db == database;

        var drills = inputs.Drills.Where(d => Mine(d.Environment, d.Database) && d.StartedAt >= since && d.StartedAt <= now)
            .OrderBy(d => d.StartedAt).ToList();
        var ran = drills.Where(d => d.Status is DrillStatus.Passed or DrillStatus.VerificationFailed).ToList();
        // A drill refused for a primary target is an operator's mistake, not a recovery that failed.
        var finished = drills.Where(d => d.Status.IsFinal() && d.FailureStage != DrillStages.Refused).ToList();
        var passed = finished.Where(d => d.Status == DrillStatus.Passed).ToList();
        var rtos = ran.Where(d => d.RtoMs is not null).Select(d => (Drill: d, Seconds: (long)Math.Ceiling(d.RtoMs!.Value / 1000.0)))
            .OrderBy(x => x.Seconds).ToList();

        var last = ran.LastOrDefault();
        int? daysSince = last is null ? null : (int)Math.Floor((now - last.StartedAt).TotalDays);
        var overdue = daysSince is null || daysSince > policy.CadenceDays;
        double? passRate = finished.Count == 0 ? null : (double)passed.Count / finished.Count;
        long? median = rtos.Count == 0 ? null
            : rtos.Count % 2 == 1 ? rtos[rtos.Count / 2].Seconds
            : (rtos[(rtos.Count / 2) - 1].Seconds + rtos[rtos.Count / 2].Seconds) / 2;
        long? worst = rtos.Count == 0 ? null : rtos[^1].Seconds;
        var manual = ran.Sum(d => ManualSteps.Count(d.ManualSteps));

        var backups = inputs.Backups.Where(b => Mine(b.Environment, b.Database)).ToList();
        var (missingDays, dayEvidence, goodIds) = DaysWithoutBackup(environment, database, backups, inputs.Agents, since, now);

        var opened = inputs.Gates.Where(g => Mine(g.Environment, g.Database) && g.Status == GateStatus.Open
                                             && (g.DecidedAt ?? g.RequestedAt) >= since && (g.DecidedAt ?? g.RequestedAt) <= now)
            .OrderBy(g => g.DecidedAt ?? g.RequestedAt).ToList();
        var withoutPreUpgrade = opened.Where(g => g.BackupId is not { } id
                                                  || !backupsById.TryGetValue(id, out var b)
                                                  || b.Trigger != BackupTriggers.PreUpgrade
                                                  || !Mine(b.Environment, b.Database))
            .Select(g => g.Id).ToList();

        var newest = backups.Where(b => b.Status == BackupStatus.Verified && b.Timestamp <= now)
            .OrderByDescending(b => b.Timestamp).FirstOrDefault();

        var controls = new List<ControlResult>
        {
            new(ComplianceControls.DrillCadence, !overdue,
                last is null
                    ? $"no drill completed since {since:yyyy-MM-dd}; cadence is {policy.CadenceDays} days"
                    : $"last drill {daysSince} days ago ({last.StartedAt:yyyy-MM-dd}); cadence is {policy.CadenceDays} days",
                last is null ? [] : [last.Id]),
            new(ComplianceControls.PassRate, passRate is null || passRate >= policy.MinPassRate,
                passRate is null
                    ? "no drill finished in the window"
                    : $"{passed.Count} of {finished.Count} drills passed ({passRate:P0}); minimum {policy.MinPassRate:P0}",
                [.. finished.Select(d => d.Id)]),
            new(ComplianceControls.Rto, worst is null || worst <= policy.RtoTargetSeconds,
                worst is null
                    ? "no drill measured an RTO in the window"
                    : $"median {median} s, worst {worst} s against a target of {policy.RtoTargetSeconds} s",
                worst > policy.RtoTargetSeconds
                    ? [.. rtos.Where(x => x.Seconds > policy.RtoTargetSeconds).Select(x => x.Drill.Id)]
                    : [.. rtos.Select(x => x.Drill.Id)]),
            new(ComplianceControls.DailyBackup, missingDays.Count == 0,
                missingDays.Count == 0
                    ? $"every day has a successful scheduled or manual backup ({goodIds.Count} backups)"
                    : $"{missingDays.Count} days without a successful scheduled or manual backup: {DayList(missingDays)}",
                missingDays.Count == 0 ? goodIds : dayEvidence),
            new(ComplianceControls.PreUpgradeBackup, withoutPreUpgrade.Count == 0,
                withoutPreUpgrade.Count == 0
                    ? $"{opened.Count} upgrades, each with a pre-upgrade backup"
                    : $"{withoutPreUpgrade.Count} of {opened.Count} upgrades without a pre-upgrade backup",
                withoutPreUpgrade.Count == 0
                    ? [.. opened.Select(g => g.Id), .. opened.Where(g => g.BackupId is not null).Select(g => g.BackupId!.Value)]
                    : withoutPreUpgrade),
        };

        return new DatabaseCompliance
        {
            Environment = environment,
            Database = database,
            Compliant = controls.All(c => c.Passed),
            DrillsRun = ran.Count,
            DrillsPassed = passed.Count,
            PassRate = passRate,
            LastDrillAt = last?.StartedAt,
            DaysSinceLastDrill = daysSince,
            DrillOverdue = overdue,
            MedianRtoSeconds = median,
            WorstRtoSeconds = worst,
            ManualSteps = manual,
            DaysWithoutBackup = missingDays,
            UpgradesWithoutPreUpgradeBackup = withoutPreUpgrade,
            UpgradesOpened = opened.Count,
            NewestVerifiedBackupId = newest?.Id,
            NewestVerifiedAt = newest?.Timestamp,
            NewestVerifiedAgeSeconds = newest is null ? null : (long)(now - newest.Timestamp).TotalSeconds,
            Drills = [.. drills.Select(d => new DrillMark(d.Id, d.StartedAt, d.Status,
                d.RtoMs is { } ms ? (long)Math.Ceiling(ms / 1000.0) : null, ManualSteps.Count(d.ManualSteps)))],
            Controls = controls,
        };
    }

    /// <summary>
    /// Whole UTC days from the first full day of the window (and not before the day after the database was first
    /// known) up to yesterday that hold no successful scheduled or manual backup.
    /// </summary>
    private static (List<DateOnly> Missing, List<Guid> Evidence, List<Guid> Good) DaysWithoutBackup(string environment,
        string database, IReadOnlyList<RestorePoint> backups, IReadOnlyList<AgentStatus> agents, DateTimeOffset since, DateTimeOffset now)
    {
        var firstKnown = backups.Select(b => b.RequestedAt)
            .Concat(agents.Where(a => a.Databases.Any(d => d.Environment == environment && d.Name == database)).Select(a => a.FirstSeen))
            .DefaultIfEmpty(now).Min();
        var windowStart = DateOnly.FromDateTime(since.UtcDateTime);
        if (since.UtcDateTime.TimeOfDay > TimeSpan.Zero)
        {
            windowStart = windowStart.AddDays(1);
        }

        var start = new[] { windowStart, DateOnly.FromDateTime(firstKnown.UtcDateTime).AddDays(1) }.Max();
        var today = DateOnly.FromDateTime(now.UtcDateTime);

        var successful = backups.Where(Succeeded).Where(b => b.Trigger is BackupTriggers.Scheduled or BackupTriggers.Manual).ToList();
        var covered = successful.Select(b => DateOnly.FromDateTime(b.Timestamp.UtcDateTime)).ToHashSet();
        var missing = new List<DateOnly>();
        for (var day = start; day < today; day = day.AddDays(1))
        {
            if (!covered.Contains(day))
            {
                missing.Add(day);
            }
        }

        var missingSet = missing.ToHashSet();
        var evidence = backups.Where(b => !Succeeded(b) && missingSet.Contains(DateOnly.FromDateTime((b.ScheduledFor ?? b.Timestamp).UtcDateTime)))
            .Select(b => b.Id).ToList();
        var good = successful.Where(b => DateOnly.FromDateTime(b.Timestamp.UtcDateTime) >= start && b.Timestamp <= now)
            .OrderBy(b => b.Timestamp).Select(b => b.Id).ToList();
        return (missing, evidence, good);
    }

    /// <summary>Taken or verified, or expired by retention after it had been taken (its artifact existed).</summary>
    private static bool Succeeded(RestorePoint b) =>
        b.Status is BackupStatus.Taken or BackupStatus.Verified
        || (b.Status == BackupStatus.Expired && b.ArtifactPath is not null && b.FailureReason is null);

    private static string DayList(IReadOnlyList<DateOnly> days) =>
        days.Count <= 5
            ? string.Join(", ", days.Select(d => d.ToString("yyyy-MM-dd")))
            : string.Join(", ", days.Take(5).Select(d => d.ToString("yyyy-MM-dd"))) + $" and {days.Count - 5} more";
}
