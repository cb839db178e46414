using Ledger.Contracts.Backups;
using Ledger.Contracts.Restores;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.Agent.Restores;

/// <summary>
/// Answers a plan: reads the target (exists, size, sessions, connection settings, every table's row count, the event
/// log's head) and the artifact's presence, and says what a restore would do and lose. Reads only; changes nothing.
/// </summary>
public sealed class RestorePlanner(AgentOptions options, Repositories.BackupRepositories repositories, TimeProvider clock)
{
    // Tables whose data pg_dump writes (the same selection a backup counts), with exact counts.
    private const string CountRowsSql = """
        select n.nspname, c.relname,
               (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r'
          and n.nspname not in ('pg_catalog', 'information_schema')
          and n.nspname not like 'pg\_toast%' and n.nspname not like 'pg\_temp%'
          and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
        order by 1, 2
        """;

    public async Task<object> PlanAsync(PlanRestore request, CancellationToken ct)
    {
        var target = request.Target;
        var host = options.Find(target.Environment, target.HostDatabase);
        if (host is null)
        {
            return Failed(request, $"Agent '{options.Id}' does not manage {target.Environment}/{target.HostDatabase}.");
        }

        try
        {
            TargetInfo info;
            bool superuser;
            await using (var server = await TargetServer.OpenAsync(host, target.Database, ct))
            {
                superuser = await server.IsSuperuserAsync(ct);
                info = await server.DescribeAsync(ct);
            }

            TargetContents? contents = null;
            if (info.Exists && info.AllowConnections)
            {
                contents = await ReadContentsAsync(PgConnectionStrings.WithDatabase(host.ConnectionString, target.Database), ct);
            }

            var artifactPresent = await ArtifactPresentAsync(request.Backup, ct);
            var state = new RestoreTargetState(info.Exists, info.SizeBytes, info.Sessions, info.Exists ? info.AllowConnections : null,
                info.Exists ? info.ConnectionLimit : null, superuser, contents?.EventLogHead);
            var loss = info.Exists && contents is null
                ? new RestoreDataLoss("The target does not allow connections, so its contents could not be read: what it holds would be replaced.", 0, null, [], 0)
                : DataLoss.Estimate(request.Backup.TableRowCounts, contents);
            return new RestorePlanned(request.RestoreId, options.Id, state, loss, artifactPresent,
                Steps(request, host, info, superuser, artifactPresent), clock.GetUtcNow());
        }
        catch (NpgsqlException e)
        {
            return Failed(request, $"Cannot read the target {target.Environment}/{target.Database}: {e.Message}");
        }
    }

    /// <summary>Whether the artifact (or a copy) is in a repository of this agent with the recorded size, and its key is here.</summary>
    private async Task<bool> ArtifactPresentAsync(RestoreArtifact artifact, CancellationToken ct)
    {
        if (repositories.Keys.MissingKeyProblem(artifact.KeyId) is not null)
        {
            return false;
        }

        var candidates = (artifact.Copies ?? []).Select(c => ((string?)c.Repository, (string?)c.Key, (string?)null, c.SizeBytes))
            .Prepend((artifact.Repository, artifact.Key, artifact.ArtifactPath, artifact.SizeBytes));
        foreach (var (repository, key, location, size) in candidates)
        {
            try
            {
                if (repositories.Resolve(repository, key, location, out _) is var (found, resolved) && await found.SizeAsync(resolved, ct) == size)
                {
                    return true;
                }
            }
            catch (Exception e) when (Repositories.BackupRepositories.IsStorageFailure(e))
            {
                // unreachable: try the next copy
            }
        }

        return false;
    }

    private List<string> Steps(PlanRestore request, ManagedDatabaseOptions host, TargetInfo info, bool superuser, bool artifactPresent)
    {
        var target = request.Target;
        var managed = target.Managed ? options.Find(target.Environment, target.Database) : null;
        var steps = new List<string>
        {
            artifactPresent
                ? $"check the artifact: {request.Backup.SizeBytes} bytes must hash to SHA-256 {request.Backup.Sha256}"
                : $"check the artifact: it is missing or not {request.Backup.SizeBytes} bytes long, so the restore would stop here",
        };
        if (!superuser)
        {
            steps.Add($"stop: the agent's role on the server of {target.Environment}/{host.Name} is not a superuser, so it could not keep application sessions out");
        }

        steps.Add(info.Exists
            ? $"close {target.Database}: no new connections, end its {info.Sessions} session(s)"
            : $"create database {target.Database} on the server of {target.Environment}/{host.Name}, then close it");
        steps.Add($"pg_restore {string.Join(' ', RestoreRunner.OptionsFor(options.RestoreJobs))} into {target.Database}");
        steps.Add(info.Exists
            ? $"reopen {target.Database} as it was (allow connections {info.AllowConnections.ToString().ToLowerInvariant()}, connection limit {info.ConnectionLimit})"
            : $"open {target.Database} (allow connections, no connection limit)");
        steps.Add(request.Backup.Fingerprint is null
            ? "verify fidelity: skipped, the backup has no fingerprint"
            : "verify fidelity: the restored database's fingerprint must equal the backup's");
        steps.Add("verify projection state in the database: every cursor at the event log's head, digests present, no open failures");
        steps.Add(managed is { DecisionGraphUrl: { Length: > 0 } url }
            ? $"verify DecisionGraph at {url}: /api/healthz and projection health for {(managed.DecisionGraphTenants.Count > 0 ? string.Join(", ", managed.DecisionGraphTenants) : "every tenant in the event log")}; "
              + (managed.AllowProjectionRebuild ? "ask it to rebuild projections if they are missing, behind or untrusted" : "rebuilds are turned off")
            : "no DecisionGraph is configured for the target: projections that need a rebuild would fail verification");
        return steps;
    }

    private static async Task<TargetContents> ReadContentsAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = "dgledger-agent",
            Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync(ct);
        var tables = new List<TableRowCount>();
        await using (var command = new NpgsqlCommand(CountRowsSql, connection) { CommandTimeout = 0 })
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                tables.Add(new TableRowCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
            }
        }

        long? head = null;
        if (tables.Any(t => t is { Schema: "public", Table: "dg_event_log" }))
        {
            await using var command = new NpgsqlCommand("select max(log_seq) from public.dg_event_log", connection);
            head = await command.ExecuteScalarAsync(ct) is long value ? value : null;
        }

        return new TargetContents(tables, head);
    }

    private RestoreFailed Failed(PlanRestore request, string reason) =>
        new(request.RestoreId, options.Id, RestoreStages.Plan, reason, null, TargetTouched: false, 0, clock.GetUtcNow());
}
