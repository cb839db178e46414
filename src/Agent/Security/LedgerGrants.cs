using Ledger.Contracts.Agents;
using Npgsql;

namespace Ledger.Agent.Security;

/// <summary>
/// What a least-privilege agent needs in the ledger's database, checked before Wolverine starts when
/// <c>Agent:AutoProvision</c> is off: a start without them would fail later, deep in a queue poll, with a bare
/// "permission denied". Each missing grant is named, with the script that gives it (deploy/sql/agent-role.sql).
/// </summary>
public sealed class LedgerGrants(AgentAccess access, string ledgerConnection) : IHostedService
{
    /// <summary>(table, privilege) pairs the agent's role must hold.</summary>
    public static IEnumerable<(string Table, string Privilege)> Required(IEnumerable<string> environments)
    {
        foreach (var environment in environments)
        {
            var queue = Queues.ForEnvironment(environment);
            foreach (var table in new[] { $"wolverine_queue_{queue}", $"wolverine_queue_{queue}_scheduled" })
            {
                foreach (var privilege in new[] { "SELECT", "INSERT", "UPDATE", "DELETE" })
                {
                    yield return ($"{Queues.Schema}.{table}", privilege);
                }
            }
        }

        // The ledger's queue: send reports. Its scheduled table only so that Wolverine's schema check sees it (a table the
        // role holds no privilege on is invisible to it, and Wolverine would try to create it).
        yield return ($"{Queues.Schema}.wolverine_queue_{Queues.Ledger}", "INSERT");
        yield return ($"{Queues.Schema}.wolverine_queue_{Queues.Ledger}_scheduled", "INSERT");
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var missing = await MissingAsync(cancellationToken);
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                "The agent's role lacks what it needs in the ledger's database (Agent:AutoProvision is off, so it creates nothing): "
                + string.Join("; ", missing)
                + ". Have the ledger provision the queues (Ledger:AgentEnvironments) and run deploy/sql/agent-role.sql for this role and each environment it serves (see the README, \"Agent roles and grants\").");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every missing grant or table, in words.</summary>
    public async Task<List<string>> MissingAsync(CancellationToken ct)
    {
        var missing = new List<string>();
        await using var connection = new NpgsqlConnection(ledgerConnection);
        await connection.OpenAsync(ct);

        async Task<T> Scalar<T>(string sql, params object[] values)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
            return (T)(await command.ExecuteScalarAsync(ct))!;
        }

        if (!await Scalar<bool>("select pg_catalog.has_database_privilege(current_database(), 'TEMPORARY')"))
        {
            missing.Add("TEMPORARY on the ledger's database (the queue listener stages messages in temporary tables)");
        }

        if (!await Scalar<bool>("select coalesce((select pg_catalog.has_schema_privilege(oid, 'USAGE') from pg_catalog.pg_namespace where nspname = $1), false)", Queues.Schema))
        {
            missing.Add($"USAGE on schema {Queues.Schema} (or the schema does not exist yet)");
        }

        var schemaExists = await Scalar<bool>("select exists (select 1 from pg_catalog.pg_namespace where nspname = $1)", access.MessageSchema);
        if (schemaExists
                ? !await Scalar<bool>("select pg_catalog.has_schema_privilege(oid, 'USAGE') and pg_catalog.has_schema_privilege(oid, 'CREATE') from pg_catalog.pg_namespace where nspname = $1", access.MessageSchema)
                : !await Scalar<bool>("select pg_catalog.has_database_privilege(current_database(), 'CREATE')"))
        {
            missing.Add($"USAGE and CREATE on the agent's own schema {access.MessageSchema}" + (schemaExists ? "" : " (it does not exist)"));
        }

        foreach (var group in Required(access.Environments).GroupBy(r => r.Table))
        {
            // By the catalog, not to_regclass: naming a table in a schema without USAGE is itself refused.
            var (schema, name) = (group.Key[..group.Key.IndexOf('.')], group.Key[(group.Key.IndexOf('.') + 1)..]);
            var oid = await Scalar<long>("select coalesce((select c.oid::bigint from pg_catalog.pg_class c join pg_catalog.pg_namespace n " +
                                         "on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2), 0)", schema, name);
            if (oid == 0)
            {
                missing.Add($"table {group.Key} does not exist (the ledger provisions it)");
                continue;
            }

            var lacking = new List<string>();
            foreach (var (_, privilege) in group)
            {
                if (!await Scalar<bool>("select pg_catalog.has_table_privilege($1::bigint::oid, $2)", oid, privilege))
                {
                    lacking.Add(privilege);
                }
            }

            if (lacking.Count > 0)
            {
                missing.Add($"{string.Join(", ", lacking)} on {group.Key}");
            }
        }

        return missing;
    }
}
