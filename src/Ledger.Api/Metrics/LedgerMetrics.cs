using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Marten;
using Npgsql;

namespace Ledger.Api.Metrics;

/// <summary>What one scrape reads: a handful of aggregate rows, never the documents themselves.</summary>
public sealed record MetricsSnapshot(
    IReadOnlyList<CounterRow> Counters,
    IReadOnlyList<BackupRow> Backups,
    IReadOnlyList<DrillRow> Drills,
    IReadOnlyList<AgentRow> Agents);

public sealed record CounterRow(string Metric, string Environment, string Database, string Trigger, string Outcome, long Value);

public sealed record BackupRow(string Environment, string Database, DateTimeOffset? LastSuccessAt, long? LastDurationMs, long? LastSizeBytes,
    DateTimeOffset? LastVerifiedAt);

public sealed record DrillRow(string Environment, string Database, DateTimeOffset? LastPassedAt, long? LastRtoMs);

public sealed record AgentRow(string Id, DateTimeOffset LastHeartbeat, IReadOnlyList<string> Environments, double? ClockOffsetSeconds = null);

/// <summary>
/// Reads the metrics from the read models in one round trip of four aggregate queries:
/// the outcome counters (one row per series); per (environment, database) known to an agent or to the counters, the newest
/// successful and newest verified restore point (each an index probe on (environment, database, timestamp), stopping at
/// the first match); per drilled database the newest passed drill and the newest drill's RTO (drills are few); and the agents.
/// </summary>
public sealed class LedgerMetrics(IDocumentStore store)
{
    private const string Schema = "ledger";

    private static readonly string CountersSql =
        $"select metric, environment, database, trigger, outcome, value from {Schema}.{OutcomeCounters.Table} order by 1, 2, 3, 4, 5";

    private static readonly string BackupsSql = $"""
        with pairs as (
            select d->>'Environment' as environment, d->>'Name' as database
              from {Schema}.mt_doc_agentstatus a, jsonb_array_elements(a.data->'Databases') d
            union
            select environment, database from {Schema}.{OutcomeCounters.Table} where metric = '{OutcomeCounters.Backups}'
        )
        select p.environment, p.database, s.timestamp, s.duration_ms, s.size_bytes, v.timestamp
          from pairs p
          left join lateral (
              select r.timestamp, (r.data->>'DurationMs')::bigint as duration_ms, (r.data->>'SizeBytes')::bigint as size_bytes
                from {Schema}.mt_doc_restorepoint r
               where r.environment = p.environment and r.database = p.database and r.data->>'Status' in ('{BackupStatus.Taken.ToWire()}', '{BackupStatus.Verified.ToWire()}')
               order by r.timestamp desc limit 1) s on true
          left join lateral (
              select r.timestamp from {Schema}.mt_doc_restorepoint r
               where r.environment = p.environment and r.database = p.database and r.data->>'Status' = '{BackupStatus.Verified.ToWire()}'
               order by r.timestamp desc limit 1) v on true
         order by 1, 2
        """;

    private static readonly string DrillsSql = $"""
        select environment, database,
               max(finished_at) filter (where status = '{DrillStatus.Passed.ToWire()}'),
               (array_agg(rto_ms order by finished_at desc) filter (where rto_ms is not null))[1]
          from (select data->>'Environment' as environment, data->>'Database' as database, data->>'Status' as status,
                       (data->>'FinishedAt')::timestamptz as finished_at, (data->>'RtoMs')::bigint as rto_ms
                  from {Schema}.mt_doc_drillview where data->>'FinishedAt' is not null) d
         group by 1, 2 order by 1, 2
        """;

    private static readonly string AgentsSql =
        $"select id, (data->>'LastHeartbeat')::timestamptz, coalesce(array(select jsonb_array_elements_text(data->'Environments')), '{{}}'), (data->>'ClockOffsetSeconds')::float8 from {Schema}.mt_doc_agentstatus order by id";

    public async Task<MetricsSnapshot> ReadAsync(CancellationToken ct)
    {
        await using var connection = (NpgsqlConnection)store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { new(CountersSql), new(BackupsSql), new(DrillsSql), new(AgentsSql) },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);

        var counters = new List<CounterRow>();
        while (await reader.ReadAsync(ct))
        {
            counters.Add(new CounterRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetInt64(5)));
        }

        await reader.NextResultAsync(ct);
        var backups = new List<BackupRow>();
        while (await reader.ReadAsync(ct))
        {
            backups.Add(new BackupRow(reader.GetString(0), reader.GetString(1), Time(reader, 2), Long(reader, 3), Long(reader, 4), Time(reader, 5)));
        }

        await reader.NextResultAsync(ct);
        var drills = new List<DrillRow>();
        while (await reader.ReadAsync(ct))
        {
            drills.Add(new DrillRow(reader.GetString(0), reader.GetString(1), Time(reader, 2), Long(reader, 3)));
        }

        await reader.NextResultAsync(ct);
        var agents = new List<AgentRow>();
        while (await reader.ReadAsync(ct))
        {
            agents.Add(new AgentRow(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<string[]>(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3)));
        }

        return new MetricsSnapshot(counters, backups, drills, agents);
    }

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);

    private static long? Long(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
}
