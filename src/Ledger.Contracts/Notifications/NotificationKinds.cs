namespace Ledger.Contracts.Notifications;

/// <summary>The kinds of event a webhook can subscribe to (<c>Notifications:Webhooks:N:Events</c>).</summary>
public static class NotificationKinds
{
    public const string BackupFailed = "backup-failed";
    public const string VerificationFailed = "verification-failed";
    public const string ScheduleMissed = "schedule-missed";
    public const string DrillFailed = "drill-failed";
    public const string DrillOverdue = "drill-overdue";
    public const string GateDenied = "gate-denied";
    public const string AgentSilent = "agent-silent";
    public const string RestoreFinished = "restore-finished";

    public static readonly IReadOnlyList<string> All =
        [BackupFailed, VerificationFailed, ScheduleMissed, DrillFailed, DrillOverdue, GateDenied, AgentSilent, RestoreFinished];
}
