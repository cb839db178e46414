using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DecisionGraph.Double;
using Ledger.Testing.Postgres;
using Npgsql;

namespace DecisionGraph.Double.Tests;

/// <summary>One real PostgreSQL for the assembly; each test gets its own sample database and its own double.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private int _databases;

    public PostgresInstance Pg { get; private set; } = null!;

    public async Task InitializeAsync() => Pg = await PostgresProvisioner.AcquireAsync(new PostgresProvisionOptions { NamePrefix = "dgdouble" });

    public async Task DisposeAsync() => await Pg.DisposeAsync();

    /// <summary>A fresh database with <see cref="RealSchemaSample"/> in it.</summary>
    public async Task<string> SampleDatabaseAsync(bool overdueWorkflow = false)
    {
        var connectionString = await Pg.CreateDatabaseAsync($"dg_sample_{Interlocked.Increment(ref _databases)}");
        await RealSchemaSample.CreateAsync(connectionString, SchemaPath(), overdueWorkflow);
        return connectionString;
    }

    public static string SchemaPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "fixtures", "decisiongraph", "schema.sql");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("fixtures/decisiongraph/schema.sql was not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>The accounts and helpers the tests share.</summary>
public abstract class DoubleTest(PostgresFixture postgres) : IAsyncLifetime
{
    public const string ReaderToken = "reader-token-7d1c0e";
    public const string AdminToken = "admin-token-52b9aa";
    public const string AcmeOnlyToken = "acme-reader-token-0f3e";
    public const string AuditorToken = "auditor-token-91ce";
    public const string ReplayOnlyAdminToken = "replay-admin-token-44d0";

    protected PostgresFixture Postgres { get; } = postgres;

    protected DecisionGraphDouble Dg { get; private set; } = null!;

    protected HttpClient Http { get; private set; } = null!;

    protected string Database { get; private set; } = null!;

    protected virtual bool AllowRebuild => false;

    protected virtual bool OverdueWorkflow => false;

    protected virtual TimeSpan JobDuration => TimeSpan.FromMilliseconds(100);

    public static IReadOnlyList<ServiceAccount> Accounts { get; } =
    [
        new("reader-main", ["reader"], [], ["*"], [ReaderToken]),
        new("admin-main", ["admin"], ["projection_replay", "projection_rebuild", "workflow_export"], ["*"], [AdminToken]),
        new("acme-reader", ["reader"], [], ["acme"], [AcmeOnlyToken]),
        new("auditor", ["auditor"], [], ["*"], [AuditorToken]),
        new("replay-admin", ["admin"], ["projection_replay"], ["*"], [ReplayOnlyAdminToken]),
    ];

    public async Task InitializeAsync()
    {
        Database = await Postgres.SampleDatabaseAsync(OverdueWorkflow);
        Dg = await DecisionGraphDouble.StartAsync(Database, new DoubleOptions
        {
            ServiceAccounts = Accounts,
            AllowRebuild = AllowRebuild,
            JobDuration = JobDuration,
        });
        Http = new HttpClient { BaseAddress = Dg.Url };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Dg.DisposeAsync();
    }

    protected async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? token, string? tenant, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (tenant is not null)
        {
            request.Headers.Add("x-tenant-id", tenant);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    protected Task<(int Status, JsonElement Body)> GetAsync(string path, string? token = ReaderToken, string? tenant = "default") =>
        SendAsync(HttpMethod.Get, path, token, tenant);

    protected Task<(int Status, JsonElement Body)> PostAsync(string path, object body, string? token = AdminToken, string? tenant = "default") =>
        SendAsync(HttpMethod.Post, path, token, tenant, body);

    /// <summary>Polls GET /api/v1/admin/replays/{job_id} until the run is completed, failed or cancelled.</summary>
    protected async Task<JsonElement> WaitForRunAsync(string jobId, string tenant = "default")
    {
        for (var i = 0; i < 200; i++)
        {
            var (status, body) = await GetAsync($"/api/v1/admin/replays/{jobId}", AdminToken, tenant);
            Assert.Equal(200, status);
            var run = body.GetProperty("data").GetProperty("run");
            if (run.GetProperty("status").GetString() is "completed" or "failed" or "cancelled")
            {
                return run;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{jobId} did not finish.");
    }

    protected async Task<object?> ScalarAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Database) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return await command.ExecuteScalarAsync();
    }

    protected static void AssertError(JsonElement body, string code, string message)
    {
        var error = body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Object, error.GetProperty("details").ValueKind);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("request_id").GetString()));
    }
}
