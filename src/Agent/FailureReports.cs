using Ledger.Agent.Backups;
using Ledger.Agent.Restores;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Npgsql;

namespace Ledger.Agent;

/// <summary>
/// The report the ledger must hear when a step of the agent's work fails in a way its handler did not foresee: the
/// agent's error policy publishes it for any exception (a compensating action, not a catch list), so no backup,
/// restore or drill stays "running" because an exception nobody expected went to the error queue.
/// </summary>
public static class FailureReports
{
    /// <summary>The failure event for <paramref name="message"/>, or null for a message that reports nothing.</summary>
    public static object? For(object message, Exception exception, AgentOptions options, DateTimeOffset now)
    {
        var reason = "unexpected failure: " + Describe(exception, options);
        return message switch
        {
            TakeBackup m => new BackupFailed(m.BackupId, options.Id, reason, null, now),
            DumpDatabase m => new BackupFailed(m.Request.BackupId, options.Id, reason, null, now),
            VerifyBackup m => new BackupVerificationFailed(m.Taken.BackupId, options.Id, reason, now),
            RestoreBackup m => new RestoreFailed(m.RestoreId, options.Id, RestoreStages.Accept, reason, null, false, 0, now),
            PrepareRestore m => new RestoreFailed(m.Request.RestoreId, options.Id, RestoreStages.Preflight, reason, null, false, Elapsed(m.StartedAt, now), now),
            // The runner reopens the target whatever pg_restore did; what it may have changed is not known here.
            RunPgRestore m => new RestoreFailed(m.Request.RestoreId, options.Id, RestoreStages.PgRestore, reason, null, true, Elapsed(m.StartedAt, now), now),
            VerifyRestore m => new VerificationFailed(m.Request.RestoreId, options.Id, [], reason, 0, now),
            PlanRestore m => new RestoreFailed(m.RestoreId, options.Id, RestoreStages.Plan, reason, null, false, 0, now),
            DropDrillTarget m => new DrillTargetDropFailed(m.DrillId, options.Id, m.Target.Environment, m.Target.Database, reason, now),
            Ledger.Contracts.Doctor.RunAgentDoctor m => new Ledger.Contracts.Doctor.AgentDoctorReport(m.RunId, options.Id, m.Environment,
                [Ledger.Contracts.Doctor.DoctorCheck.Fail($"agent {options.Id}", "doctor", reason, "See the agent's log: the doctor's own checks failed to run.")], now),
            _ => null,
        };
    }

    /// <summary>The exception's type and message, with every configured password taken out.</summary>
    public static string Describe(Exception exception, AgentOptions options)
    {
        var text = $"{exception.GetType().Name}: {exception.Message}";
        foreach (var database in options.Databases)
        {
            try
            {
                if (new NpgsqlConnectionStringBuilder(Ledger.Postgres.PgConnectionStrings.Normalize(database.ConnectionString)).Password is { Length: > 0 } password)
                {
                    text = text.Replace(password, "***", StringComparison.Ordinal);
                }
            }
            catch (ArgumentException)
            {
                // A connection string the options would already have refused: nothing to take out.
            }
        }

        return text.Length > 2000 ? text[..2000] + "…" : text;
    }

    private static long Elapsed(DateTimeOffset startedAt, DateTimeOffset now) => Math.Max(0, (long)(now - startedAt).TotalMilliseconds);
}
