using System.Net;
using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;

namespace Ledger.Tests.Cli;

// The typed client against a fake ledger at the HTTP-handler level: what goes on the wire, what comes out.
// The real ledger is exercised by the scenario tests.

public class when_listing_backups
{
    private static readonly Guid Id = Guid.Parse("3f2a9c1e-0000-4000-8000-000000000001");

    private static StubLedger OnePage() => new(_ => StubLedger.Json(
        new Page<RestorePoint>([when_rendering_backups_for_people.Verified(Id)], PageNumber: 1, PageSize: 50, TotalCount: 51)));

    private static readonly Dictionary<string, string?> Env = new()
    {
        ["DGLEDGER_URL"] = "http://ledger.test:5080",
        ["DGLEDGER_TOKEN"] = "reader-token",
    };

    [Fact]
    public async Task it_sends_the_filters_as_query_parameters_with_the_bearer_token()
    {
        var ledger = OnePage();

        var run = await CliHarness.RunAsync(
            ["backups", "list", "--env", "prod", "--db", "decisiongraph", "--kind", "pre-upgrade", "--status", "verified", "--since", "2025-01-31", "--page", "2", "--page-size", "10"],
            Env, ledger);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var request = Assert.Single(ledger.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("http://ledger.test:5080/api/v1/backups", request.Uri.GetLeftPart(UriPartial.Path));
        var query = request.Uri.Query.TrimStart('?').Split('&').Select(Uri.UnescapeDataString).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            ["database=decisiongraph", "environment=prod", "page=2", "pageSize=10", "since=2025-01-31T00:00:00.000Z", "status=verified", "trigger=pre-upgrade"],
            query);
        Assert.Equal("Bearer reader-token", request.Authorization);
    }

    [Fact]
    public async Task without_filters_it_asks_for_the_first_page_of_fifty()
    {
        var ledger = OnePage();

        await CliHarness.RunAsync(["backups", "list"], Env, ledger);

        Assert.Equal("?page=1&pageSize=50", Assert.Single(ledger.Requests).Uri.Query);
    }

    [Fact]
    public async Task a_ledger_behind_a_base_path_is_called_under_that_path()
    {
        var ledger = OnePage();

        await CliHarness.RunAsync(["backups", "list", "--url", "https://ops.example/ledger/"], Env, ledger);

        Assert.Equal("https://ops.example/ledger/api/v1/backups", Assert.Single(ledger.Requests).Uri.GetLeftPart(UriPartial.Path));
    }

    [Fact]
    public async Task people_get_a_table_and_a_pointer_to_the_next_page()
    {
        var run = await CliHarness.RunAsync(["backups", "list"], Env, OnePage());

        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("3f2a9c1e ", lines[1], StringComparison.Ordinal);
        Assert.Equal("1-1 of 51; next: --page 2", lines[2]);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task json_prints_the_ledgers_page_in_camel_case_and_nothing_else()
    {
        var run = await CliHarness.RunAsync(["backups", "list", "--json"], Env, OnePage());

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal(51, json.RootElement.GetProperty("totalCount").GetInt64());
        var item = json.RootElement.GetProperty("items")[0];
        Assert.Equal(Id, item.GetProperty("id").GetGuid());
        Assert.Equal(12_897_484, item.GetProperty("sizeBytes").GetInt64());
        Assert.Contains('\n', run.Out.Trim()); // indented
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task a_rejected_token_exits_6_with_how_to_set_one()
    {
        var run = await CliHarness.RunAsync(["backups", "list"], Env, new StubLedger(_ => new HttpResponseMessage(HttpStatusCode.Unauthorized)));

        Assert.Equal(ExitCodes.Unauthorized, run.ExitCode);
        Assert.Equal("error: the server rejected the token: set --token or DGLEDGER_TOKEN", run.Error.TrimEnd());
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task a_token_without_the_role_exits_6_saying_so()
    {
        var run = await CliHarness.RunAsync(
            ["backups", "take", "--env", "prod", "--db", "orders"], Env,
            new StubLedger(_ => StubLedger.Problem(HttpStatusCode.Forbidden, """{"title":"Forbidden","status":403}""")));

        Assert.Equal(ExitCodes.Unauthorized, run.ExitCode);
        Assert.Equal("error: the token lacks the role for this command", run.Error.TrimEnd());
    }
}

public class when_showing_a_backup
{
    private static readonly Dictionary<string, string?> Env = new() { ["DGLEDGER_URL"] = "http://ledger.test" };

    [Fact]
    public async Task an_unknown_id_exits_5_with_the_ledgers_detail()
    {
        var id = Guid.NewGuid();
        var ledger = new StubLedger(_ => StubLedger.Problem(HttpStatusCode.NotFound, $$"""{"title":"Not Found","status":404,"detail":"No backup {{id}}"}"""));

        var run = await CliHarness.RunAsync(["backups", "show", id.ToString()], Env, ledger);

        Assert.Equal(ExitCodes.NotFound, run.ExitCode);
        Assert.Equal($"http://ledger.test/api/v1/backups/{id}", Assert.Single(ledger.Requests).Uri.ToString());
        Assert.Contains($"error: not found: No backup {id}", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task json_prints_the_backup_and_its_history()
    {
        var id = Guid.NewGuid();
        using var data = JsonDocument.Parse("""{"agentId":"agent-1"}""");
        var detail = new BackupDetail(
            when_rendering_backups_for_people.Verified(id),
            [new HistoryEntry(1, "backup_requested", DateTimeOffset.UnixEpoch, data.RootElement)]);

        var run = await CliHarness.RunAsync(["backups", "show", id.ToString(), "--json"], Env, new StubLedger(_ => StubLedger.Json(detail)));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal(id, json.RootElement.GetProperty("backup").GetProperty("id").GetGuid());
        Assert.Equal("agent-1", json.RootElement.GetProperty("history")[0].GetProperty("data").GetProperty("agentId").GetString());
    }
}

public class when_taking_a_backup
{
    private static readonly Guid Id = Guid.Parse("5b1d0c2a-0000-4000-8000-000000000002");
    private static readonly Dictionary<string, string?> Env = new() { ["DGLEDGER_URL"] = "http://ledger.test", ["DGLEDGER_TOKEN"] = "op" };

    private static BackupAccepted Accepted => new(Id, "prod", "orders", BackupTriggers.PreUpgrade, $"/api/v1/backups/{Id}");

    /// <summary>Accepts the POST, then answers each GET with the next status in line (repeating the last).</summary>
    private static StubLedger Ledger(params string[] statuses)
    {
        var polls = 0;
        return new StubLedger(request =>
        {
            if (request.Method == HttpMethod.Post)
            {
                return StubLedger.Json(Accepted, HttpStatusCode.Accepted);
            }

            var status = statuses[Math.Min(Interlocked.Increment(ref polls) - 1, statuses.Length - 1)];
            var backup = when_rendering_backups_for_people.Verified(Id) with
            {
                Status = status,
                FailureReason = status == BackupStatuses.Failed ? "pg_dump: connection refused" : null,
            };
            return StubLedger.Json(new BackupDetail(backup, []));
        });
    }

    [Fact]
    public async Task it_posts_the_request_in_camel_case()
    {
        var ledger = Ledger(BackupStatuses.Requested);

        var run = await CliHarness.RunAsync(["backups", "take", "--env", "prod", "--db", "orders", "--kind", "pre-upgrade", "--release", "v2.4.0"], Env, ledger);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var post = Assert.Single(ledger.Requests);
        Assert.Equal(HttpMethod.Post, post.Method);
        Assert.Equal("http://ledger.test/api/v1/backups", post.Uri.ToString());
        using var body = JsonDocument.Parse(post.Body!);
        Assert.Equal("prod", body.RootElement.GetProperty("environment").GetString());
        Assert.Equal("orders", body.RootElement.GetProperty("database").GetString());
        Assert.Equal("pre-upgrade", body.RootElement.GetProperty("trigger").GetString());
        Assert.Equal("v2.4.0", body.RootElement.GetProperty("release").GetString());
        Assert.Contains(Id.ToString(), run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task without_wait_json_prints_the_acceptance()
    {
        var run = await CliHarness.RunAsync(["backups", "take", "--env", "prod", "--db", "orders", "--json"], Env, Ledger(BackupStatuses.Requested));

        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal(Id, json.RootElement.GetProperty("backupId").GetGuid());
        Assert.Equal($"/api/v1/backups/{Id}", json.RootElement.GetProperty("location").GetString());
    }

    [Fact]
    public async Task a_rejected_request_exits_2_with_each_field_error()
    {
        var ledger = new StubLedger(_ => StubLedger.Problem(HttpStatusCode.BadRequest,
            """{"title":"Invalid backup request","status":400,"errors":{"database":["no agent manages 'orders' in 'prod'"]}}"""));

        var run = await CliHarness.RunAsync(["backups", "take", "--env", "prod", "--db", "orders"], Env, ledger);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal(
            ["error: the ledger rejected the input: Invalid backup request", "  database: no agent manages 'orders' in 'prod'"],
            run.Error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task with_wait_it_reports_each_status_change_once_and_exits_0_when_verified()
    {
        var ledger = Ledger(BackupStatuses.Requested, BackupStatuses.Running, BackupStatuses.Running, BackupStatuses.Taken, BackupStatuses.Verified);

        var run = await CliHarness.RunAsync(["backups", "take", "--env", "prod", "--db", "orders", "--wait"], Env, ledger);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal(6, ledger.Requests.Count); // the POST, then five polls
        var progress = run.Error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, progress.Length);
        Assert.StartsWith("backup 5b1d0c2a: requested", progress[0], StringComparison.Ordinal);
        Assert.StartsWith("backup 5b1d0c2a: running on agent-1", progress[1], StringComparison.Ordinal);
        Assert.StartsWith("backup 5b1d0c2a: taken", progress[2], StringComparison.Ordinal);
        Assert.StartsWith("backup 5b1d0c2a: verified", progress[3], StringComparison.Ordinal);
        Assert.Contains("verified", run.Out.Split('\n')[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task with_wait_a_failed_backup_exits_8_with_the_reason()
    {
        var run = await CliHarness.RunAsync(["backups", "take", "--env", "prod", "--db", "orders", "--wait"], Env, Ledger(BackupStatuses.Running, BackupStatuses.Failed));

        Assert.Equal(ExitCodes.BackupFailed, run.ExitCode);
        Assert.Contains($"error: backup {Id} failed: pg_dump: connection refused", run.Error, StringComparison.Ordinal);
        Assert.Contains($"dgledger backups show {Id}", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task with_wait_a_backup_that_failed_verification_exits_8()
    {
        var run = await CliHarness.RunAsync(["backups", "take", "--env", "prod", "--db", "orders", "--wait", "--json"], Env, Ledger(BackupStatuses.VerificationFailed));

        Assert.Equal(ExitCodes.BackupFailed, run.ExitCode);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal("verification-failed", json.RootElement.GetProperty("backup").GetProperty("status").GetString());
    }

    [Fact]
    public async Task with_wait_it_gives_up_at_the_timeout_with_exit_124()
    {
        var run = await CliHarness.RunAsync(["backups", "take", "--env", "prod", "--db", "orders", "--wait", "--timeout", "1s"], Env, Ledger(BackupStatuses.Running));

        Assert.Equal(ExitCodes.TimedOut, run.ExitCode);
        Assert.Contains($"error: timed out after 1s waiting for backup {Id} (last status: running)", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }
}

public class when_listing_agents
{
    [Fact]
    public async Task json_prints_the_agents_as_the_ledger_sent_them()
    {
        var agent = new AgentStatus { Id = "agent-1", Hostname = "db1", Version = "1.0.0", Databases = [new ManagedDatabase("prod", "orders", DatabaseRoles.Primary)] };
        var ledger = new StubLedger(_ => StubLedger.Json<IReadOnlyList<AgentStatus>>([agent]));

        var run = await CliHarness.RunAsync(["agents", "list", "--json", "--url", "http://ledger.test"], handler: ledger);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal("http://ledger.test/api/v1/agents", Assert.Single(ledger.Requests).Uri.ToString());
        Assert.Null(Assert.Single(ledger.Requests).Authorization);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal("primary", json.RootElement[0].GetProperty("databases")[0].GetProperty("role").GetString());
    }
}
