using Ledger.Contracts.Common;
using System.Linq.Expressions;
using Ledger.Api.Agents;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Restores;
using Ledger.Postgres;

namespace Ledger.Api.Restores;

/// <summary>Edge validation and the interlocks of a restore request (pure, so they are tested without a host).</summary>
public static class RestoreRules
{
    /// <summary>A restore an agent started and has not finished after this long no longer holds its target (its agent is presumed gone).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(12);

    /// <summary>A restore (not a plan) that has not reached a final state, as a query filter.</summary>
    public static readonly Expression<Func<RestoreView, bool>> Unfinished = x => !x.Plan
        && (x.Status == RestoreStatus.Requested || x.Status == RestoreStatus.Running
            || x.Status == RestoreStatus.WritesBlocked || x.Status == RestoreStatus.Verifying);

    /// <summary>
    /// Whether an unfinished restore still holds its target: one no agent picked up holds it until agents would refuse
    /// it (<see cref="RestoreTimings.MaxQueueAge"/>), one under way for <see cref="StaleAfter"/>.
    /// </summary>
    public static bool Holds(RestoreView restore, DateTimeOffset now) =>
        restore.Status == RestoreStatus.Requested
            ? now - restore.RequestedAt <= RestoreTimings.MaxQueueAge
            : now - (restore.StartedAt ?? restore.RequestedAt) < StaleAfter;

    /// <summary>Field name -> what is wrong; empty when the request may go on to the interlocks. Nothing is appended for these.</summary>
    public static Dictionary<string, string[]> Check(RequestRestore? request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            errors["body"] = ["A JSON object with backupId, targetDatabase and confirm is required."];
            return errors;
        }

        if (request.BackupId == Guid.Empty)
        {
            errors["backupId"] = ["Required: the id of the backup to restore."];
        }

        if (string.IsNullOrWhiteSpace(request.TargetDatabase))
        {
            errors["targetDatabase"] = ["Required: the database to restore into."];
        }
        else if (TargetNameProblem(request.TargetDatabase) is { } problem)
        {
            errors["targetDatabase"] = [problem];
        }

        if (request.Environment is not null && !EnvironmentNames.IsValid(request.Environment))
        {
            errors["environment"] = ["Must be lower-case letters, digits and dashes, starting with a letter (at most 32)."];
        }

        return errors;
    }

    /// <summary>What is wrong with a restore or drill target's name (a valid identifier, not a system database); null when nothing.</summary>
    public static string? TargetNameProblem(string name) =>
        !PgIdentifier.IsValid(name)
            ? "Not a valid PostgreSQL identifier (letters, digits, _ and $, starting with a letter or _, at most 63 bytes)."
            : RestoreTargets.Forbidden.Contains(name)
                ? $"'{name}' is a system database and is never a restore target."
                : null;

    /// <summary>
    /// Every interlock that refuses this request, in the order they are checked; a restore is refused with the first,
    /// a plan lists them all. <paramref name="active"/> are the other restores into the same target that are not final.
    /// </summary>
    public static IReadOnlyList<RestoreRefusal> Refusals(RequestRestore request, RestorePoint backup, RestoreTarget target,
        bool callerIsOperator, IReadOnlyCollection<RestoreView> active, DateTimeOffset now, AgentLiveness? agent = null)
    {
        var refusals = new List<RestoreRefusal>();
        if (agent is { Alive: false })
        {
            // First: nothing else matters when nobody would run it, and a request that waited for an agent would
            // restore over the target whenever one came back.
            refusals.Add(new RestoreRefusal(Interlocks.AgentUnavailable,
                $"No live agent serves environment '{target.Environment}' (no heartbeat within {agent.Timeout.TotalSeconds:0}s{(agent.LastHeartbeat is { } last ? $"; last one at {last:u}" : "")}): nothing would run the restore. Start the agent and ask again.",
                503));
        }

        if (!(request.Plan && request.Confirm is null) && request.Confirm != request.TargetDatabase)
        {
            refusals.Add(new RestoreRefusal(Interlocks.Confirmation,
                request.Confirm is null
                    ? $"Confirm the target by repeating its name: confirm must be '{request.TargetDatabase}'."
                    : $"The confirmation '{request.Confirm}' does not match the target '{request.TargetDatabase}'.",
                400));
        }

        if (target.ManagedElsewhere is { } other)
        {
            refusals.Add(new RestoreRefusal(Interlocks.ManagedElsewhere,
                $"'{target.Database}' is {other} ({target.Role}), a database an agent manages: restore into it only under its own name in its own environment, or choose another target.",
                400));
        }

        if (backup.Status != BackupStatus.Verified)
        {
            var why = backup.Status switch
            {
                BackupStatus.Failed => $"it failed: {backup.FailureReason}",
                BackupStatus.VerificationFailed => $"it failed verification: {backup.FailureReason}",
                BackupStatus.Expired => "it expired: retention deleted its artifact",
                BackupStatus.Missed => "it was missed: no backup was taken",
                _ => $"it is {backup.Status.ToWire()}, not verified yet",
            };
            refusals.Add(new RestoreRefusal(Interlocks.BackupNotRestorable,
                $"Backup {backup.Id} of {backup.Environment}/{backup.Database} cannot be restored: {why}.", 409));
        }

        if (target.Role == DatabaseRoles.Primary)
        {
            var what = target.Managed
                ? $"'{target.Database}' is the primary database of '{target.Environment}'"
                : $"'{target.Database}' would be created on the server of '{target.Environment}/{target.HostDatabase}', a primary";
            if (!request.AllowPrimary)
            {
                refusals.Add(new RestoreRefusal(Interlocks.PrimaryTarget,
                    $"{what}: restoring over it needs allowPrimary (--allow-primary) and the operator role.", 400));
            }
            else if (!callerIsOperator)
            {
                refusals.Add(new RestoreRefusal(Interlocks.OperatorRole,
                    $"{what}: only the operator role may restore into a primary.", 403));
            }
        }

        var running = active.Where(r => Holds(r, now)).OrderBy(r => r.RequestedAt).FirstOrDefault();
        if (running is not null)
        {
            refusals.Add(new RestoreRefusal(Interlocks.RestoreInProgress,
                $"Restore {running.Id} into {target.Environment}/{target.Database} is {running.Status.ToWire()} (requested by {running.RequestedBy} at {running.RequestedAt:u}); two restores into one target cannot run at once.",
                409));
        }

        return refusals;
    }
}
