using Ledger.Postgres;

namespace Ledger.Agent.Restores;

/// <summary>
/// The agent's own refusals for a database it is asked to overwrite (a restore) or drop (a drill target), whatever the
/// ledger decided: one place, so the restore and the drop cannot drift apart.
/// </summary>
public static class TargetGuards
{
    public enum Use
    {
        /// <summary>pg_restore --clean into it: a managed database may be the target (that is what a restore is for).</summary>
        Overwrite,

        /// <summary>DROP DATABASE: only a database this agent does not manage.</summary>
        Drop,
    }

    /// <summary>Why this agent must not <paramref name="use"/> <paramref name="database"/> on <paramref name="host"/>'s server; null when it may.</summary>
    public static string? Refusal(ManagedDatabaseOptions host, string database, Use use, AgentOptions options, LedgerDatabase ledger)
    {
        if (!PgIdentifier.IsValid(database))
        {
            return $"'{database}' is not a valid database name";
        }

        if (database == host.MaintenanceDatabase)
        {
            return $"'{database}' is the maintenance database the agent works from on this server";
        }

        if (ledger.Is(host.ConnectionString, database))
        {
            return $"'{database}' is the ledger's own database";
        }

        if (use == Use.Drop && ManagedOnSameServer(host, database, options) is { } managed)
        {
            return $"'{database}' is {managed.Environment}/{managed.Name}, a database this agent manages";
        }

        return null;
    }

    /// <summary>The configured database that <paramref name="database"/> really is on <paramref name="host"/>'s server (by its real name, not its label).</summary>
    public static ManagedDatabaseOptions? ManagedOnSameServer(ManagedDatabaseOptions host, string database, AgentOptions options) =>
        options.Databases.FirstOrDefault(d =>
            PgConnectionStrings.DatabaseOf(d.ConnectionString) == database && PgConnectionStrings.SameServer(d.ConnectionString, host.ConnectionString));
}
