using Ledger.Contracts.Restores;

namespace Ledger.Api.Restores;

/// <summary>
/// The decision state of a restore stream: only what the handlers need to accept or ignore an agent's report, and
/// whom to tell (the drill that asked for it) when it ends.
/// </summary>
public sealed record Restore(Guid Id, string Status, bool Plan, Guid? DrillId, bool RebuildRecorded, long? DurationMs)
{
    public static Restore Create(RestoreRequested e) => new(e.RestoreId, RestoreStatuses.Requested, e.Plan, e.DrillId, false, null);

    public Restore Apply(RestoreRefused _) => this with { Status = RestoreStatuses.Refused };
    public Restore Apply(RestoreStarted _) => this with { Status = RestoreStatuses.Running };
    public Restore Apply(WritesBlocked _) => this with { Status = RestoreStatuses.WritesBlocked };
    public Restore Apply(RestoreCompleted e) => this with { Status = RestoreStatuses.Verifying, DurationMs = e.DurationMs };
    public Restore Apply(RestoreFailed _) => this with { Status = RestoreStatuses.Failed };
    public Restore Apply(RestorePlanned _) => this with { Status = RestoreStatuses.Planned };
    public Restore Apply(ProjectionsRebuilt _) => this with { RebuildRecorded = true };
    public Restore Apply(ProjectionRebuildSkipped _) => this with { RebuildRecorded = true };
    public Restore Apply(VerificationPassed _) => this with { Status = RestoreStatuses.Verified };
    public Restore Apply(VerificationFailed _) => this with { Status = RestoreStatuses.VerificationFailed };

    /// <summary>A restore (not a plan) the agent has not finished yet.</summary>
    public bool IsRestoring => !Plan && Status is RestoreStatuses.Requested or RestoreStatuses.Running or RestoreStatuses.WritesBlocked;
}
