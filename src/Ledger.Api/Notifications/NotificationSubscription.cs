using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Ledger.Contracts.Notifications;
using Ledger.Contracts.Restores;
using Marten;
using Wolverine;
using Wolverine.Marten.Subscriptions;

namespace Ledger.Api.Notifications;

/// <summary>
/// Follows the event log (Marten's async daemon) and publishes a <see cref="NotificationRaised"/> for every event a webhook
/// may want. It runs after the events were committed, in its own transaction with its progress and Wolverine's outbox,
/// so a slow or failing webhook never holds up the backup, restore, drill or gate that raised the event. A new ledger
/// starts from the present: history is not re-announced.
/// </summary>
public sealed class NotificationSubscription : BatchSubscription
{
    public NotificationSubscription() : base("notifications")
    {
        IncludeType<BackupFailed>();
        IncludeType<BackupVerificationFailed>();
        IncludeType<BackupMissed>();
        IncludeType<DrillFailed>();
        IncludeType<DrillCompleted>();
        IncludeType<GateDenied>();
        IncludeType<GateExpired>();
        IncludeType<RestoreRefused>();
        IncludeType<RestoreFailed>();
        IncludeType<VerificationPassed>();
        IncludeType<VerificationFailed>();
        Options.SubscribeFromPresent();
    }

    public override async Task ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations,
        IMessageBus bus, CancellationToken cancellationToken)
    {
        foreach (var e in page.Events)
        {
            if (await NotificationFor(e, operations, cancellationToken) is { } notification)
            {
                await bus.PublishAsync(new NotificationRaised(notification));
            }
        }
    }

    /// <summary>The notification an event calls for, if any, with its labels read from the read models.</summary>
    public static async Task<Notification?> NotificationFor(IEvent e, IQuerySession session, CancellationToken ct)
    {
        switch (e.Data)
        {
            case BackupFailed f when await session.LoadAsync<RestorePoint>(f.BackupId, ct) is { } rp:
                return Make(e, NotificationKinds.BackupFailed, rp.Environment, rp.Database, f.BackupId.ToString(),
                    $"Backup of {rp.Environment}/{rp.Database} ({rp.Trigger}) failed: {f.Reason}",
                    new() { ["reason"] = f.Reason, ["trigger"] = rp.Trigger, ["agent"] = f.AgentId }, f.FailedAt);
            case BackupVerificationFailed f when await session.LoadAsync<RestorePoint>(f.BackupId, ct) is { } rp:
                return Make(e, NotificationKinds.VerificationFailed, rp.Environment, rp.Database, f.BackupId.ToString(),
                    $"Backup of {rp.Environment}/{rp.Database} failed verification and must not be restored: {f.Reason}",
                    new() { ["reason"] = f.Reason, ["trigger"] = rp.Trigger, ["agent"] = f.AgentId }, f.FailedAt);
            case BackupMissed m:
                return Make(e, NotificationKinds.ScheduleMissed, m.Environment, m.Database, m.BackupId.ToString(),
                    $"The scheduled backup of {m.Environment}/{m.Database} for {m.ScheduledFor:u} was not taken by {m.Deadline:u}: {m.Reason}",
                    new() { ["reason"] = m.Reason, ["scheduledFor"] = m.ScheduledFor.ToString("O") }, m.RecordedAt);
            case DrillFailed f when await session.LoadAsync<DrillView>(f.DrillId, ct) is { } d:
                return Make(e, NotificationKinds.DrillFailed, d.Environment, d.Database, f.DrillId.ToString(),
                    $"Restore drill of {d.Environment}/{d.Database} failed ({f.Stage}): {f.Reason}",
                    new() { ["stage"] = f.Stage, ["reason"] = f.Reason }, f.FailedAt);
            case DrillCompleted { Passed: false } c when await session.LoadAsync<DrillView>(c.DrillId, ct) is { } d:
                return Make(e, NotificationKinds.DrillFailed, d.Environment, d.Database, c.DrillId.ToString(),
                    $"Restore drill of {d.Environment}/{d.Database} completed but failed verification",
                    new() { ["stage"] = "verification", ["failedChecks"] = string.Join(", ", c.Checks.Where(x => x.Outcome == CheckOutcomes.Failed).Select(x => x.Name)) },
                    c.CompletedAt);
            case GateDenied g when await session.LoadAsync<GateView>(g.GateId, ct) is { } v:
                return Make(e, NotificationKinds.GateDenied, v.Environment, v.Database, g.GateId.ToString(),
                    $"Pre-upgrade gate for {v.Environment}/{v.Database} to {v.TargetRelease} denied: {g.Reason}",
                    new() { ["outcome"] = "denied", ["reason"] = g.Reason, ["targetRelease"] = v.TargetRelease }, g.DeniedAt);
            case GateExpired g when await session.LoadAsync<GateView>(g.GateId, ct) is { } v:
                return Make(e, NotificationKinds.GateDenied, v.Environment, v.Database, g.GateId.ToString(),
                    $"Pre-upgrade gate for {v.Environment}/{v.Database} to {v.TargetRelease} expired: {g.Reason}",
                    new() { ["outcome"] = "expired", ["reason"] = g.Reason, ["targetRelease"] = v.TargetRelease }, g.ExpiredAt);
            case RestoreRefused r when await session.LoadAsync<RestoreView>(r.RestoreId, ct) is { Plan: false } v:
                return Restore(e, v, "refused", $"refused by the {r.Interlock} interlock: {r.Reason}", r.RefusedAt);
            case RestoreFailed f when await session.LoadAsync<RestoreView>(f.RestoreId, ct) is { Plan: false } v:
                return Restore(e, v, "failed", $"failed at {f.Stage}: {f.Reason}", f.FailedAt);
            case VerificationPassed p when await session.LoadAsync<RestoreView>(p.RestoreId, ct) is { Plan: false } v:
                return Restore(e, v, "verified", "finished and passed verification", p.VerifiedAt);
            case VerificationFailed f when await session.LoadAsync<RestoreView>(f.RestoreId, ct) is { Plan: false } v:
                return Restore(e, v, "verification_failed", $"finished but failed verification: {f.Reason}", f.FailedAt);
            default:
                return null;
        }
    }

    private static Notification Restore(IEvent e, RestoreView v, string outcome, string what, DateTimeOffset at) =>
        Make(e, NotificationKinds.RestoreFinished, v.Environment, v.TargetDatabase, v.Id.ToString(),
            $"Restore of backup {v.BackupId} into {v.Environment}/{v.TargetDatabase} {what}",
            new() { ["outcome"] = outcome, ["backupId"] = v.BackupId.ToString(), ["sourceDatabase"] = v.SourceDatabase }, at);

    private static Notification Make(IEvent e, string kind, string environment, string? database, string subject, string summary,
        Dictionary<string, string> details, DateTimeOffset at) =>
        new(e.Id, kind, environment, database, subject, summary, details, at);
}
