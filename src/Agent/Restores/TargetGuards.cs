using Ledger.Contracts.Agents;
using Ledger.Contracts.Restores;
using Ledger.Postgres;

namespace Ledger.Agent.Restores;

/// <summary>
/// The agent's own refusals for a database it is asked to overwrite (a restore) or drop (a drill target), whatever the
/// ledger decided: one place, so the restore and the drop cannot drift apart. The agent knows what the ledger cannot:
/// every database it is configured with, by real name and by the identity of the server it lives on.
/// </summary>
public sealed class TargetGuards(AgentOptions options, LedgerDatabase ledger, ServerIdentity servers)
{
    public enum Use
    {
        /// <summary>pg_restore --clean into it: a managed database of the target's own environment may be the target.</summary>
        Overwrite,

        /// <summary>DROP DATABASE: only a database this agent does not manage.</summary>
        Drop,
    }

    /// <summary>Why this agent must not <paramref name="use"/> <paramref name="target"/> on <paramref name="host"/>'s server; null when it may.</summary>
    public async Task<string?> RefusalAsync(ManagedDatabaseOptions host, RestoreTarget target, Use use, CancellationToken ct)
    {
        var database = target.Database;
        if (!PgIdentifier.IsValid(database))
        {
            return $"'{database}' is not a valid database name";
        }

        if (database == host.MaintenanceDatabase || database is "template0" or "template1")
        {
            return $"'{database}' is {(database == host.MaintenanceDatabase ? "the maintenance database the agent works from on this server" : "a template database")}";
        }

        if (ledger.Is(host.ConnectionString, database))
        {
            return $"'{database}' is the ledger's own database";
        }

        var managed = await ManagedOnSameServerAsync(host, database, ct);
        if (managed is null)
        {
            return null;
        }

        if (use == Use.Drop)
        {
            return $"'{database}' is {managed.Environment}/{managed.Name}, a database this agent manages";
        }

        if (managed.Environment != target.Environment)
        {
            return $"'{database}' is {managed.Environment}/{managed.Name} ({managed.Role}), a database of another environment on this server";
        }

        return managed.Role == DatabaseRoles.Primary && target.Role != DatabaseRoles.Primary
            ? $"'{database}' is {managed.Environment}/{managed.Name}, a primary, but the restore was decided as {target.Role}"
            : null;
    }

    /// <summary>The configured database that <paramref name="database"/> really is on <paramref name="host"/>'s server (by its real name, not its label).</summary>
    public async Task<ManagedDatabaseOptions?> ManagedOnSameServerAsync(ManagedDatabaseOptions host, string database, CancellationToken ct)
    {
        foreach (var d in options.Databases.Where(d => PgConnectionStrings.DatabaseOf(d.ConnectionString) == database))
        {
            if (await servers.SameServerAsync(d.ConnectionString, host.ConnectionString, ct))
            {
                return d;
            }
        }

        return null;
    }
}
