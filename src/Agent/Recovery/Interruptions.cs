using Ledger.Agent.Backups;
using Ledger.Agent.Restores;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;

namespace Ledger.Agent.Recovery;

/// <summary>The steps the journal records, by name.</summary>
public static class Steps
{
    public const string Dump = "dump";
    public const string Verify = "verify";
    public const string Prepare = "prepare";
    public const string PgRestore = "pg_restore";
    public const string VerifyRestore = "verify-restore";
    public const string Plan = "plan";
    public const string Drop = "drop";
    /// <summary>Not a step: a restore target's saved connection settings (<see cref="TargetHold"/>), kept until it is reopened.</summary>
    public const string Hold = "hold";
}

/// <summary>
/// The phases of the agent's work, by their fail-point names: where a step was when the agent died, and what an
/// operator reads about it ("interrupted: the agent restarted during pg_restore").
/// </summary>
public static class Phases
{
    public const string SnapshotExport = "snapshot-export";
    public const string MidDump = "mid-dump";
    public const string Fingerprint = "fingerprint";
    public const string Rename = "rename";
    public const string Verification = "verification";
    public const string ArtifactCheck = "artifact-check";
    public const string TargetClosed = "target-closed";
    public const string MidPgRestore = "mid-pg_restore";
    public const string Reopen = "reopen";
    public const string PostRestoreVerification = "post-restore-verification";
    public const string Plan = "plan";
    public const string DrillDrop = "drill-drop";
    /// <summary>A fail point only (not journalled: a copy is redone, never recovered): a copy's bytes are being uploaded.</summary>
    public const string MidCopy = "mid-copy";

    public static readonly IReadOnlyList<string> All =
        [SnapshotExport, MidDump, Fingerprint, Rename, Verification, ArtifactCheck, TargetClosed, MidPgRestore, Reopen, PostRestoreVerification, Plan, DrillDrop];

    /// <summary>The phase in an operator's words.</summary>
    public static string Describe(string phase) => phase switch
    {
        SnapshotExport => "the snapshot export",
        MidDump => "pg_dump",
        Fingerprint => "the fingerprint",
        Rename => "the rename of the finished artifact",
        Verification => "the backup's verification",
        ArtifactCheck => "the artifact check",
        TargetClosed => "closing the target",
        MidPgRestore => "pg_restore",
        Reopen => "reopening the target",
        PostRestoreVerification => "post-restore verification",
        Plan => "the plan",
        DrillDrop => "the drill drop",
        _ => phase,
    };
}

/// <summary>What the ledger hears about a step the agent died in (pure).</summary>
public static class Interruptions
{
    public static string Reason(JournalEntry entry) => $"interrupted: the agent restarted during {Phases.Describe(entry.Phase)}";

    /// <summary>
    /// The failure report of an interrupted step, or null for a step whose interruption is no failure (a drill drop,
    /// which recovery finishes instead). <paramref name="hold"/> is the restore target's saved settings when the agent
    /// had changed them, and <paramref name="reopened"/> whether recovery put them back.
    /// </summary>
    public static object? ReportFor(JournalEntry entry, string agentId, DateTimeOffset now, TargetHold? hold = null, bool reopened = true)
    {
        var reason = Reason(entry);
        var elapsed = Math.Max(0, (long)(now - entry.StartedAt).TotalMilliseconds);
        var message = entry.Message?.ToMessage();
        var hint = reopened || hold is null
            ? ""
            : $"; the target could not be reopened: run ALTER DATABASE {Ledger.Postgres.PgIdentifier.Quote(hold.TargetDatabase)} WITH ALLOW_CONNECTIONS {(hold.PreviousAllowConnections ? "true" : "false")} CONNECTION LIMIT {hold.PreviousConnectionLimit}";
        return message switch
        {
            DumpDatabase m => new BackupFailed(m.Request.BackupId, agentId, reason + "; its partial files were removed.", null, now),
            VerifyBackup m => new BackupVerificationFailed(m.Taken.BackupId, agentId, reason + "; the backup is not verified.", now),
            PrepareRestore m => new RestoreFailed(m.Request.RestoreId, agentId,
                entry.Phase == Phases.ArtifactCheck ? RestoreStages.Checksum : RestoreStages.Block,
                reason + (hold is null ? "; the target was not changed." : "; the target's connection settings were put back.") + hint,
                null, TargetTouched: hold is not null, elapsed, now),
            RunPgRestore m => new RestoreFailed(m.Request.RestoreId, agentId,
                entry.Phase == Phases.Reopen ? RestoreStages.Unblock : RestoreStages.PgRestore,
                reason + "; pg_restore's sessions were ended and the target's connection settings put back: it holds a partial restore." + hint,
                null, TargetTouched: true, elapsed, now),
            VerifyRestore m => new VerificationFailed(m.Request.RestoreId, agentId, [], reason + "; the restored target was not verified.", elapsed, now),
            PlanRestore m => new RestoreFailed(m.RestoreId, agentId, RestoreStages.Plan, reason + "; nothing was changed.", null, false, elapsed, now),
            _ => null,
        };
    }
}
