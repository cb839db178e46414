using Ledger.Contracts.Restores;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.Agent.Restores;

/// <summary>
/// Who owns a restored target. pg_restore runs <c>--no-owner --no-privileges</c> (the runbook's command) as the agent's
/// superuser, so every object it creates belongs to the agent and the application's own role gets "permission denied".
/// After pg_restore, with the target still closed, the agent gives the database and every object pg_restore created
/// in it (schemas other than pg_catalog/information_schema, tables, partitioned and foreign tables, sequences, views,
/// materialized views, functions, procedures, aggregates, types and domains) to the owner role, object by object with
/// ALTER ... OWNER TO. Not <c>REASSIGN OWNED BY</c>: that also hands over the agent's shared objects (other databases,
/// tablespaces) and refuses to move the bootstrap superuser's objects. Extension members stay with their extension.
/// </summary>
public static class TargetOwnership
{
    /// <summary>Where the chosen owner came from (for the log and the failure's words).</summary>
    public enum Source
    {
        Configured,
        RecordedAtBackup,
        TargetOwner,
    }

    /// <summary>
    /// The owner role a restore gives the target to, and where it came from: the configured OwnerRole (of the target when
    /// it is managed, of the backup's source database for a drill or scratch target); else the source database's owner
    /// recorded at backup time; else the target's current owner (when it existed). Null: nothing says, the agent keeps it.
    /// </summary>
    public static (string Role, Source Source)? Choose(string? configured, string? recorded, string? currentOwner)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return (configured, Source.Configured);
        }

        if (PgIdentifier.IsValid(recorded))
        {
            return (recorded!, Source.RecordedAtBackup);
        }

        return PgIdentifier.IsValid(currentOwner) ? (currentOwner!, Source.TargetOwner) : null;
    }

    /// <summary>The configured OwnerRole that applies to <paramref name="request"/>'s target on this agent.</summary>
    public static string? ConfiguredFor(AgentOptions options, RestoreBackup request)
    {
        var target = request.Target;
        return target.Managed
            ? options.Find(target.Environment, target.Database)?.OwnerRole
            // A drill (or scratch) target follows its source database's setting (not its host's: the host is only the
            // server it is created on).
            : options.Find(request.Backup.Environment, request.Backup.Database)?.OwnerRole;
    }

    // Every object in the target that the connected role (the agent, which ran pg_restore) owns, as the ALTER that gives
    // it away: %I quotes every name on the server. Sequences owned by a column follow their table; composite types of
    // tables and array types follow theirs.
    private const string AlterStatements = """
        with role as (select pg_catalog.quote_ident($1) as q),
        objects as (
            select 1 as phase, pg_catalog.format('ALTER SCHEMA %I OWNER TO %s', n.nspname, role.q) as sql
            from pg_catalog.pg_namespace n, role
            where n.nspowner = (select oid from pg_catalog.pg_roles where rolname = current_user)
              and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\_toast%' and n.nspname not like 'pg\_temp%'
              and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass and d.objid = n.oid and d.deptype = 'e')
            union all
            select 2, pg_catalog.format('ALTER %s %I.%I OWNER TO %s',
                       case c.relkind when 'r' then 'TABLE' when 'p' then 'TABLE' when 'f' then 'FOREIGN TABLE' when 'v' then 'VIEW'
                                      when 'm' then 'MATERIALIZED VIEW' else 'SEQUENCE' end, n.nspname, c.relname, role.q)
            from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace, role
            where c.relowner = (select oid from pg_catalog.pg_roles where rolname = current_user)
              and c.relkind in ('r', 'p', 'f', 'v', 'm', 'S')
              and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\_toast%'
              and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid
                              and (d.deptype = 'e' or (c.relkind = 'S' and d.deptype in ('a', 'i') and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass)))
            union all
            select 3, pg_catalog.format('ALTER %s %s OWNER TO %s',
                       case p.prokind when 'p' then 'PROCEDURE' when 'a' then 'AGGREGATE' else 'FUNCTION' end, p.oid::pg_catalog.regprocedure, role.q)
            from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace, role
            where p.proowner = (select oid from pg_catalog.pg_roles where rolname = current_user)
              and n.nspname not in ('pg_catalog', 'information_schema')
              and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass and d.objid = p.oid and d.deptype = 'e')
            union all
            select 4, pg_catalog.format('ALTER %s %I.%I OWNER TO %s', case t.typtype when 'd' then 'DOMAIN' else 'TYPE' end, n.nspname, t.typname, role.q)
            from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace, role
            where t.typowner = (select oid from pg_catalog.pg_roles where rolname = current_user)
              and t.typtype in ('c', 'd', 'e', 'r')
              and (t.typrelid = 0 or (select c.relkind from pg_catalog.pg_class c where c.oid = t.typrelid) = 'c')
              and n.nspname not in ('pg_catalog', 'information_schema')
              and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass and d.objid = t.oid and d.deptype = 'e')
        )
        select sql from objects order by phase, sql
        """;

    /// <summary>
    /// Gives every object the connected role owns in the target (<paramref name="targetConnection"/>, a superuser session
    /// in the closed target) to <paramref name="role"/>, in one transaction: all or nothing. Returns how many were given.
    /// </summary>
    public static async Task<int> GiveObjectsAsync(NpgsqlConnection targetConnection, string role, CancellationToken ct)
    {
        var statements = new List<string>();
        await using var transaction = await targetConnection.BeginTransactionAsync(ct);
        await using (var list = new NpgsqlCommand(AlterStatements, targetConnection, transaction) { Parameters = { new() { Value = role } } })
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                statements.Add(reader.GetString(0));
            }
        }

        foreach (var sql in statements)
        {
            await using var alter = new NpgsqlCommand(sql, targetConnection, transaction);
            await alter.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return statements.Count;
    }

    /// <summary>
    /// What <paramref name="role"/> cannot do with the target's data, each named: a schema it cannot use, a table, view or
    /// sequence it does not own or cannot read and write. Verification runs as superuser, which can always read: this is
    /// what the application would meet.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ProblemsAsync(string targetConnectionString, string role, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(targetConnectionString)
        {
            ApplicationName = "dgledger-agent",
            Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("""
            select pg_catalog.format('database %I is owned by %s', pg_catalog.current_database(), pg_catalog.pg_get_userbyid(d.datdba))
            from pg_catalog.pg_database d where d.datname = pg_catalog.current_database() and pg_catalog.pg_get_userbyid(d.datdba) <> $1
            union all
            select pg_catalog.format('schema %I: no USAGE', n.nspname)
            from pg_catalog.pg_namespace n
            where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\_toast%' and n.nspname not like 'pg\_temp%'
              and not pg_catalog.has_schema_privilege($1, n.oid, 'USAGE')
            union all
            select pg_catalog.format('%s %I.%I: %s', case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' else 'table' end,
                       n.nspname, c.relname,
                       case when pg_catalog.pg_get_userbyid(c.relowner) <> $1 then 'owned by ' || pg_catalog.pg_get_userbyid(c.relowner) else 'not readable and writable' end)
            from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p', 'v', 'm', 'S')
              and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\_toast%'
              and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid and d.deptype = 'e')
              and (pg_catalog.pg_get_userbyid(c.relowner) <> $1
                   or case c.relkind when 'S' then not pg_catalog.has_sequence_privilege($1, c.oid, 'USAGE,SELECT,UPDATE')
                                     when 'r' then not pg_catalog.has_table_privilege($1, c.oid, 'SELECT,INSERT,UPDATE,DELETE')
                                     when 'p' then not pg_catalog.has_table_privilege($1, c.oid, 'SELECT,INSERT,UPDATE,DELETE')
                                     else not pg_catalog.has_table_privilege($1, c.oid, 'SELECT') end)
            order by 1
            """, connection) { Parameters = { new() { Value = role } } };
        var problems = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            problems.Add(reader.GetString(0));
        }

        return problems;
    }
}
