using Ledger.Testing.Postgres;
using System.Security.Cryptography;
using DecisionGraph.Fixtures;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.ScenarioTests.Seeding;

/// <summary>A PostgreSQL of the test class's own (not the lead's stack), with helpers for the seeding scenarios.</summary>
public class SeedingPostgres : IAsyncLifetime
{
    public PostgresInstance Pg { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Pg = await PostgresProvisioner.AcquireAsync();

    public virtual async Task DisposeAsync() => await Pg.DisposeAsync();

    /// <summary>A new, empty database with a unique name (an external server may be shared by several runs).</summary>
    public Task<string> NewDatabaseAsync(string prefix) =>
        Pg.CreateDatabaseAsync($"{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every table's row count, by name.</summary>
    public static async Task<Dictionary<string, long>> CountsAsync(string connectionString)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in DecisionGraphSchema.Tables)
        {
            counts[table] = await ScalarAsync<long>(connectionString, $"select count(*) from {table}");
        }

        return counts;
    }
}

/// <summary>
/// Two databases seeded with the same options, once for the whole test class, and a small third one that tests may
/// write to (the first two must stay identical).
/// </summary>
public sealed class TwoSeededDatabases : SeedingPostgres
{
    public static readonly SeedOptions Options = new() { Traces = 1500, Tenants = 4, Seed = 7 };

    public string First { get; private set; } = "";
    public string Second { get; private set; } = "";
    public SeedReport FirstReport { get; private set; } = null!;
    public SeedReport SecondReport { get; private set; } = null!;
    public string Scratch { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        First = await NewDatabaseAsync("seeded_a");
        Second = await NewDatabaseAsync("seeded_b");
        FirstReport = await DecisionGraphSeeder.SeedAsync(First, Options);
        SecondReport = await DecisionGraphSeeder.SeedAsync(Second, Options);
        Scratch = await NewDatabaseAsync("seeded_scratch");
        await DecisionGraphSeeder.SeedAsync(Scratch, Options with { Traces = 60 });
    }
}

/// <summary>
/// SQL that proves the projections agree with the event log. Each query counts violations: every one must be 0.
/// </summary>
public static class ProjectionChecks
{
    public static IReadOnlyList<(string Name, string Sql)> All { get; } =
    [
        ("traces start at 0 with TraceStarted, are contiguous and end at TraceFinished", """
            select count(*) from (
                select trace_seq, event_type, lag(trace_seq) over w as prev_seq, lag(event_type) over w as prev_type
                from dg_event_log window w as (partition by tenant_id, trace_id order by trace_seq)) x
            where (prev_seq is null and (trace_seq <> 0 or event_type <> 'TraceStarted'))
               or (prev_seq is not null and (trace_seq <> prev_seq + 1 or event_type = 'TraceStarted' or prev_type = 'TraceFinished'))
            """),
        ("each trace summary counts its trace's events (projector/write.ex on_trace_started!/on_trace_finished!)", """
            select count(*) from dg_trace_summary s full join (
                select tenant_id, trace_id, count(*) as n, max(log_seq) as last_seq,
                       bool_or(event_type = 'TraceFinished') as finished,
                       min(occurred_at) filter (where trace_seq = 0) as started,
                       max(occurred_at) filter (where event_type = 'TraceFinished') as ended
                from dg_event_log group by tenant_id, trace_id) l using (tenant_id, trace_id)
            where s.trace_id is null or l.trace_id is null or s.event_count <> l.n or s.last_log_seq <> l.last_seq
               or (s.outcome is not null) <> l.finished or s.started_at <> l.started or s.finished_at is distinct from l.ended
            """),
        ("every tenant has a cursor per projection at its head", """
            select count(*) from (select tenant_id, max(log_seq) as head from dg_event_log group by tenant_id) l
            cross join (values ('context_graph'), ('trace_summary'), ('precedent_index')) p(projection_name)
            left join dg_projection_cursors c on c.tenant_id = l.tenant_id and c.projection_name = p.projection_name
            where c.last_log_seq is distinct from l.head
            """),
        ("every tenant has a sha256: digest per projection and full_projection at its head", """
            select count(*) from (select tenant_id, max(log_seq) as head from dg_event_log group by tenant_id) l
            cross join (values ('context_graph'), ('trace_summary'), ('precedent_index'), ('full_projection')) p(projection_name)
            left join dg_projection_digests d on d.tenant_id = l.tenant_id and d.projection_name = p.projection_name
            where d.last_log_seq is distinct from l.head or d.digest_value !~ '^sha256:[0-9a-f]{64}$'
            """),
        ("projection runs are replay-N jobs with DecisionGraph's modes and statuses", """
            select count(*) from dg_projection_runs
            where job_id !~ '^replay-[0-9]+$' or mode not in ('catch_up', 'rebuild')
               or status not in ('queued', 'running', 'completed', 'failed', 'cancelled')
               or (status = 'failed') <> (error_code is not null)
            """),
        ("every workflow item comes from an exception or review event of its trace", """
            select count(*) from dg_workflow_items i
            where not exists (select 1 from dg_event_log e where e.tenant_id = i.tenant_id and e.trace_id = i.trace_id
                              and e.event_id = i.created_from_event_id and e.event_type in ('ExceptionRequested', 'WorkflowReviewRequested'))
               or i.workflow_id <> i.trace_id || ':' || i.subject_type || ':' || i.subject_id
            """),
        ("every exception or review event has its workflow item", """
            select count(*) from dg_event_log e
            where e.event_type in ('ExceptionRequested', 'WorkflowReviewRequested')
              and not exists (select 1 from dg_workflow_items i where i.tenant_id = e.tenant_id and i.created_from_event_id = e.event_id)
            """),
        ("every workflow action and notification belongs to an item of its trace (and its event, when it has one)", """
            select (select count(*) from dg_workflow_actions a
                    where not exists (select 1 from dg_workflow_items i where i.workflow_id = a.workflow_id and i.trace_id = a.trace_id)
                       or (a.source_event_id is not null and not exists (select 1 from dg_event_log e
                           where e.event_id = a.source_event_id and e.trace_id = a.trace_id)))
                 + (select count(*) from dg_workflow_notifications n
                    where not exists (select 1 from dg_workflow_items i where i.workflow_id = n.workflow_id and i.trace_id = n.trace_id))
            """),
        ("the policy index has exactly the PolicyEvaluated events", """
            select count(*) from dg_event_log e full join dg_policy_eval_index p on p.tenant_id = e.tenant_id and p.log_seq = e.log_seq
            where (e.event_type = 'PolicyEvaluated' or p.log_seq is not null)
              and (p.log_seq is null or e.log_seq is null or e.event_type <> 'PolicyEvaluated' or e.trace_id <> p.trace_id
                   or p.index_id <> p.trace_id || ':' || p.policy_id || ':' || p.policy_version || ':' || e.event_id)
            """),
        ("the precedent index holds the policy and exception events of finished traces", """
            select count(*) from dg_precedent_index p
            where not exists (select 1 from dg_event_log e where e.event_id = p.source_event_id and e.log_seq = p.log_seq
                              and e.trace_id = p.trace_id and e.event_type in ('PolicyEvaluated', 'ExceptionRequested'))
               or not exists (select 1 from dg_event_log e where e.tenant_id = p.tenant_id and e.trace_id = p.trace_id
                              and e.event_type = 'TraceFinished')
            """),
        ("graph edges join nodes of their own tenant; every trace has its node", """
            select (select count(*) from dg_cg_edges e
                    where not exists (select 1 from dg_cg_nodes n where n.node_id = e.from_node_id and n.tenant_id = e.tenant_id)
                       or not exists (select 1 from dg_cg_nodes n where n.node_id = e.to_node_id and n.tenant_id = e.tenant_id))
                 + (select count(*) from dg_trace_summary s
                    where not exists (select 1 from dg_cg_nodes n where n.tenant_id = s.tenant_id and n.node_id = 'trace:' || s.trace_id))
            """),
        ("workflow runtime sits at each tenant's last managed event", """
            select count(*) from dg_workflow_runtime r
            where r.last_log_seq <> coalesce((select max(log_seq) from dg_event_log e where e.tenant_id = r.tenant_id
                   and e.event_type in ('ApprovalRecorded', 'ExceptionRequested', 'WorkflowReviewRequested')), 0)
            """),
        ("payload_hash is sha256: and the hex of payload_json, which is a JSON object", """
            select count(*) from dg_event_log
            where payload_hash <> 'sha256:' || encode(sha256(convert_to(payload_json, 'UTF8')), 'hex') or jsonb_typeof(payload_json::jsonb) <> 'object'
            """),
        ("the log_seq sequence continues after the seeded events", """
            select count(*) from dg_event_log where log_seq > (select last_value from dg_event_log_log_seq_seq)
            """),
    ];
}
