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

        yield return ($"{Queues.Schema}.wolverine_queue_{Queues.Ledger}", "INSERT");
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

        if (!await Scalar<bool>("select has_database_privilege(current_database(), 'TEMPORARY')"))
        {
            missing.Add("TEMPORARY on the ledger's database (the queue listener stages messages in temporary tables)");
        }

        if (!await Scalar<bool>("select coalesce(has_schema_privilege(to_regnamespace($1)::oid, 'USAGE'), false)", Queues.Schema))
        {
            missing.Add($"USAGE on schema {Queues.Schema} (or the schema does not exist yet)");
        }

        var schemaExists = await Scalar<bool>("select to_regnamespace($1) is not null", access.MessageSchema);
        if (schemaExists
                ? !await Scalar<bool>("select has_schema_privilege(to_regnamespace($1)::oid, 'USAGE') and has_schema_privilege(to_regnamespace($1)::oid, 'CREATE')", access.MessageSchema)
                : !await Scalar<bool>("select has_database_privilege(current_database(), 'CREATE')"))
        {
            missing.Add($"USAGE and CREATE on the agent's own schema {access.MessageSchema}" + (schemaExists ? "" : " (it does not exist)"));
        }

        foreach (var group in Required(access.Environments).GroupBy(r => r.Table))
        {
            if (!await Scalar<bool>("select to_regclass($1) is not null", group.Key))
            {
                missing.Add($"table {group.Key} does not exist (the ledger provisions it)");
                continue;
            }

            var lacking = new List<string>();
            foreach (var (table, privilege) in group)
            {
                if (!await Scalar<bool>("select has_table_privilege(to_regclass($1), $2)", table, privilege))
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
