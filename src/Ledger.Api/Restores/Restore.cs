using Ledger.Contracts.Restores;

namespace Ledger.Api.Restores;

/// <summary>
/// The decision state of a restore stream: only what the handlers need to accept or ignore an agent's report, and
/// whom to tell (the drill that asked for it) when it ends.
/// </summary>
public sealed record Restore(Guid Id, RestoreStatus Status, bool Plan, Guid? DrillId, bool RebuildRecorded, long? DurationMs)
{
    public static Restore Create(RestoreRequested e) => new(e.RestoreId, RestoreStatus.Requested, e.Plan, e.DrillId, false, null);

    public Restore Apply(RestoreRefused _) => this with { Status = RestoreStatus.Refused };
    public Restore Apply(RestoreStarted _) => this with { Status = RestoreStatus.Running };
    public Restore Apply(WritesBlocked _) => this with { Status = RestoreStatus.WritesBlocked };
    public Restore Apply(RestoreCompleted e) => this with { Status = RestoreStatus.Verifying, DurationMs = e.DurationMs };
    public Restore Apply(RestoreFailed _) => this with { Status = RestoreStatus.Failed };
    public Restore Apply(RestorePlanned _) => this with { Status = RestoreStatus.Planned };
    public Restore Apply(ProjectionsRebuilt _) => this with { RebuildRecorded = true };
    public Restore Apply(ProjectionRebuildSkipped _) => this with { RebuildRecorded = true };
    public Restore Apply(VerificationPassed _) => this with { Status = RestoreStatus.Verified };
    public Restore Apply(VerificationFailed _) => this with { Status = RestoreStatus.VerificationFailed };

    /// <summary>A restore (not a plan) the agent has not finished yet.</summary>
    public bool IsRestoring => !Plan && Status is RestoreStatus.Requested or RestoreStatus.Running or RestoreStatus.WritesBlocked;
}
