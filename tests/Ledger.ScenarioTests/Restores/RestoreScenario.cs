using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Fidelity;
using Ledger.Contracts.Restores;
using Ledger.Postgres;
using Ledger.Postgres.Fidelity;
using Marten;
using Npgsql;

namespace Ledger.ScenarioTests.Restores;

/// <summary>The target's connection settings as pg_database has them (null settings when it does not exist).</summary>
public sealed record TargetSettings(bool Exists, bool? AllowConnections, int? ConnectionLimit);

/// <summary>What restore scenarios share: taking a backup of the source, restoring through the CLI, reading the target.</summary>
public sealed class RestoreScenario(LedgerFixture fixture)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string TargetConnectionString => fixture.Stack.Postgres.ConnectionStringFor(LedgerFixture.RestoreTarget);

    /// <summary>A fresh, verified backup of the DecisionGraph source (or of another one of the fixture's sources).</summary>
    public async Task<RestorePoint> TakeSourceBackupAsync(string environment = LedgerFixture.RestoreSourceEnvironment,
        string database = LedgerFixture.RestoreSourceDatabase)
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", environment,
            "--db", database, "--wait", "--timeout", "2m", "--json");
        Assert.True(take.ExitCode == ExitCodes.Ok, $"backup: exit {take.ExitCode}: {take.Error}");
        var backup = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup;
        Assert.Equal(BackupStatus.Verified, backup.Status);
        return backup;
    }

    /// <summary>A failed backup (its source does not answer).</summary>
    public async Task<RestorePoint> TakeFailedBackupAsync()
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", LedgerFixture.BrokenEnvironment,
            "--db", LedgerFixture.BrokenDatabase, "--wait", "--timeout", "2m", "--json");
        Assert.Equal(ExitCodes.BackupFailed, take.ExitCode);
        return JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup;
    }

    /// <summary><c>dgledger restore ID --target-db T --confirm T --env rs-test --wait --json</c> plus <paramref name="extra"/>.</summary>
    public Task<CliRun> RestoreIntoTargetAsync(Guid backupId, params string[] extra) =>
        fixture.RunCliAsync(Roles.Operator, ["restore", backupId.ToString(), "--target-db", LedgerFixture.RestoreTarget,
            "--confirm", LedgerFixture.RestoreTarget, "--env", LedgerFixture.RestoreEnvironment, "--wait", "--timeout", "2m", "--json", .. extra]);

    /// <summary>The same into another target of rs-test, dropped and created empty first.</summary>
    public async Task<CliRun> RestoreIntoFreshAsync(Guid backupId, string target)
    {
        await fixture.Stack.Postgres.DropDatabaseAsync(target);
        await fixture.Stack.Postgres.CreateDatabaseAsync(target);
        return await fixture.RunCliAsync(Roles.Operator, ["restore", backupId.ToString(), "--target-db", target,
            "--confirm", target, "--env", LedgerFixture.RestoreEnvironment, "--wait", "--timeout", "2m", "--json"]);
    }

    public static RestoreView ViewOf(CliRun run)
    {
        Assert.False(string.IsNullOrWhiteSpace(run.Out), $"no JSON on stdout; exit {run.ExitCode}: {run.Error}");
        return JsonSerializer.Deserialize<RestoreView>(run.Out, Json)!;
    }

    /// <summary>The event types of a restore's stream, in order.</summary>
    public async Task<IReadOnlyList<string>> HistoryAsync(Guid restoreId)
    {
        await using var session = fixture.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(restoreId);
        return events.Select(e => e.EventType.Name).ToList();
    }

    public async Task<IReadOnlyList<T>> EventsAsync<T>(Guid restoreId)
    {
        await using var session = fixture.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(restoreId);
        return events.Select(e => e.Data).OfType<T>().ToList();
    }

    /// <summary>How many RestoreRefused events name <paramref name="interlock"/>.</summary>
    public async Task<int> RefusalsAsync(string interlock)
    {
        await using var session = fixture.Store.QuerySession();
        return await session.Events.QueryRawEventDataOnly<RestoreRefused>().CountAsync(e => e.Interlock == interlock);
    }

    public async Task<TargetSettings> TargetSettingsAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select datallowconn, datconnlimit from pg_database where datname = $1", connection)
        {
            Parameters = { new() { Value = LedgerFixture.RestoreTarget } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new TargetSettings(true, reader.GetBoolean(0), reader.GetInt32(1)) : new TargetSettings(false, null, null);
    }

    /// <summary>Drops the target if it exists and creates it empty, so that a restore into it can be identical to the backup.</summary>
    public async Task ResetTargetAsync()
    {
        await fixture.Stack.Postgres.DropDatabaseAsync(LedgerFixture.RestoreTarget);
        await fixture.Stack.Postgres.CreateDatabaseAsync(LedgerFixture.RestoreTarget);
    }

    /// <summary>Makes sure the target exists (an empty database with a marker table when it did not), allowing connections.</summary>
    public async Task EnsureTargetAsync()
    {
        if (!(await TargetSettingsAsync()).Exists)
        {
            await fixture.Stack.Postgres.CreateDatabaseAsync(LedgerFixture.RestoreTarget);
            await ExecuteOnTargetAsync("create table marker (note text); insert into marker values ('before any restore')");
        }

        await ExecuteAsServerAsync($"ALTER DATABASE {LedgerFixture.RestoreTarget} WITH ALLOW_CONNECTIONS true CONNECTION LIMIT -1");
    }

    public async Task<T> ScalarOnSourceAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(
            fixture.Stack.Postgres.ConnectionStringFor(LedgerFixture.RestoreSourceDatabase)) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<T> ScalarOnTargetAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TargetConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteOnTargetAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TargetConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task ExecuteAsServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public Task<DatabaseFingerprint> TargetFingerprintAsync() =>
        Fingerprinter.CaptureAsync(new NpgsqlConnectionStringBuilder(TargetConnectionString) { Pooling = false }.ConnectionString, CancellationToken.None);

    public Task<DatabaseFingerprint> SourceFingerprintAsync() =>
        Fingerprinter.CaptureAsync(fixture.Stack.Postgres.ConnectionStringFor(LedgerFixture.RestoreSourceDatabase), CancellationToken.None);
}
