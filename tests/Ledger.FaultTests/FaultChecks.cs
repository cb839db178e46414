using Ledger.Testing.Stack;
using Marten;
using Npgsql;

namespace Ledger.FaultTests;

/// <summary>What the suite inspects after a fault: the target server, the repository and the ledger's streams.</summary>
public static class FaultChecks
{
    public static async Task<T> ScalarAsync<T>(this FaultFixture fixture, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The target's datallowconn and datconnlimit, as "true/7".</summary>
    public static Task<string> TargetSettingsAsync(this FaultFixture fixture, string database) =>
        fixture.ScalarAsync<string>("select datallowconn::text || '/' || datconnlimit from pg_database where datname = $1", database);

    public static Task<bool> DatabaseExistsAsync(this FaultFixture fixture, string database) =>
        fixture.ScalarAsync<bool>("select exists (select 1 from pg_database where datname = $1)", database);

    /// <summary>Sessions of pg_restore (its application name) on any database of the server.</summary>
    public static Task<int> RestoreSessionsAsync(this FaultFixture fixture) =>
        fixture.ScalarAsync<int>("select count(*)::int from pg_stat_activity where application_name = 'dgledger-restore'");

    /// <summary>
    /// Files a crash must not leave: partial files anywhere in the repository (the agent's journal included), artifacts
    /// without their sidecar, and passfiles (in the agent's run directory).
    /// </summary>
    public static IReadOnlyList<string> Leftovers(string repository, DateTime since)
    {
        var found = new List<string>();
        if (Directory.Exists(repository))
        {
            foreach (var file in Directory.EnumerateFiles(repository, "*", SearchOption.AllDirectories))
            {
                var name = Path.GetFileName(file);
                if (name.EndsWith(".partial", StringComparison.Ordinal)
                    || (name.EndsWith(".dump", StringComparison.Ordinal) && !File.Exists(Path.ChangeExtension(file, ".json")))
                    || name.EndsWith(".pgpass", StringComparison.Ordinal))
                {
                    found.Add(file);
                }
            }
        }

        // The agent's passfiles live in its state directory (inside the repository, scanned above). The system's temporary
        // directory is not looked at: on a shared machine other processes' PgProcessRunner.Default writes passfiles there.
        _ = since;
        return found;
    }

    /// <summary>The event types of one stream, in order.</summary>
    public static async Task<IReadOnlyList<string>> EventTypesAsync(this FaultFixture fixture, Guid streamId)
    {
        await using var session = fixture.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(streamId);
        return events.Select(e => e.EventTypeName).ToList();
    }

    /// <summary>How many events of the stream repeat a type already there (an agent's report appended twice).</summary>
    public static async Task<int> DuplicatesAsync(this FaultFixture fixture, Guid streamId) =>
        (await fixture.EventTypesAsync(streamId)).GroupBy(t => t).Sum(g => g.Count() - 1);

    /// <summary>Children of the agent (pg_dump, pg_restore) at the moment of the kill, to check none outlives it.</summary>
    public static IReadOnlyList<int> ChildProcesses(AgentProcess agent) =>
        agent.Pid is { } pid ? AgentProcess.ChildrenOf(pid).Where(c => c.Name.StartsWith("pg_", StringComparison.Ordinal)).Select(c => c.Pid).ToList() : [];

    /// <summary>Waits up to <paramref name="timeout"/> for the processes to be gone; returns those still alive.</summary>
    public static async Task<IReadOnlyList<int>> SurvivorsAsync(IReadOnlyList<int> pids, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (pids.Any(AgentProcess.IsAlive) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return pids.Where(AgentProcess.IsAlive).ToList();
    }
}
