using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Api.Backups;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;

namespace Ledger.ScenarioTests.Backups;

/// <summary>Synthetic history appended straight to the event store, queried through HTTP.</summary>
[Collection(LedgerCollection.Name)]
public sealed class when_restore_points_are_queried(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);

    /// <summary>Appends <paramref name="days"/> backups (one a day, alternating triggers) in a fresh environment.</summary>
    private async Task<string> SeedAsync(int days)
    {
        var environment = "q-" + Guid.NewGuid().ToString("N")[..10];
        await using var session = fixture.Store.LightweightSession();
        for (var day = 0; day < days; day++)
        {
            var id = Guid.NewGuid();
            var at = Start.AddDays(day);
            var trigger = day % 3 == 0 ? BackupTriggers.PreUpgrade : BackupTriggers.Scheduled;
            var database = day % 2 == 0 ? "app" : "audit";
            session.Events.StartStream<Backup>(id,
                new BackupRequested(id, environment, database, trigger, "r" + day, "test", at),
                new BackupStarted(id, "a", at),
                new BackupTaken(id, environment, database, trigger, "r" + day, "a", at, at.AddMinutes(1), 60_000,
                    "/x.dump", 10, "00", "pg_dump 15", "15", [], []));
        }

        await session.SaveChangesAsync();
        return environment;
    }

    private async Task<Page<RestorePoint>> GetAsync(string query)
    {
        using var client = fixture.Stack.Client(Roles.Reader);
        var response = await client.GetAsync("/api/v1/backups?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Page<RestorePoint>>(Json))!;
    }

    [Fact]
    public async Task pages_walk_every_match_newest_first_without_overlap()
    {
        var env = await SeedAsync(12);
        var first = await GetAsync($"environment={env}&pageSize=5&page=1");
        var second = await GetAsync($"environment={env}&pageSize=5&page=2");
        var third = await GetAsync($"environment={env}&pageSize=5&page=3");

        Assert.Null(first.TotalCount); // counting is on request only
        Assert.True(first.HasMore);
        Assert.True(second.HasMore);
        Assert.False(third.HasMore);
        Assert.Equal(2, third.Items.Count);
        var all = first.Items.Concat(second.Items).Concat(third.Items).ToList();
        Assert.Equal(12, all.Select(x => x.Id).Distinct().Count());
        Assert.Equal(all.Select(x => x.Timestamp).OrderByDescending(t => t), all.Select(x => x.Timestamp));
        Assert.Equal(Start.AddDays(11), all[0].Timestamp);
    }

    [Fact]
    public async Task a_page_that_ends_exactly_at_the_last_match_has_no_more_and_total_counts_on_request()
    {
        var env = await SeedAsync(12);
        var last = await GetAsync($"environment={env}&pageSize=6&page=2");
        var beyond = await GetAsync($"environment={env}&pageSize=6&page=3");
        var counted = await GetAsync($"environment={env}&database=app&pageSize=5&total=true");

        Assert.Equal(6, last.Items.Count);
        Assert.False(last.HasMore);
        Assert.Empty(beyond.Items);
        Assert.False(beyond.HasMore);
        Assert.Equal(6, counted.TotalCount); // the even days: the filter's matches, not the page's
        Assert.Equal(5, counted.Items.Count);
        Assert.True(counted.HasMore);
    }

    [Fact]
    public async Task the_cli_says_where_the_next_page_is_and_counts_only_with_total()
    {
        var env = await SeedAsync(12);
        var plain = await fixture.RunCliAsync(Roles.Reader, "backups", "list", "--env", env, "--page-size", "5");
        var counted = await fixture.RunCliAsync(Roles.Reader, "backups", "list", "--env", env, "--page-size", "5", "--page", "3", "--total");
        var beyond = await fixture.RunCliAsync(Roles.Reader, "backups", "list", "--env", env, "--page-size", "5", "--page", "4", "--total");

        Assert.Equal(0, plain.ExitCode);
        Assert.Contains("1-5; next: --page 2", plain.Out);
        Assert.DoesNotContain(" of ", plain.Out);
        Assert.Contains("11-12 of 12" + Environment.NewLine, counted.Out);
        Assert.Contains("page 4 is empty (12 backups match)", beyond.Out);
    }

    [Fact]
    public async Task filters_by_database_trigger_and_time_window_combine()
    {
        var env = await SeedAsync(12);
        var since = Uri.EscapeDataString(Start.AddDays(3).ToString("O"));
        var until = Uri.EscapeDataString(Start.AddDays(9).ToString("O"));
        var page = await GetAsync($"environment={env}&database=app&trigger=pre-upgrade&since={since}&until={until}");

        // Days 3..9 that are even (app) and divisible by 3 (pre-upgrade): day 6 only.
        var only = Assert.Single(page.Items);
        Assert.Equal(Start.AddDays(6), only.Timestamp);
        Assert.Equal("app", only.Database);
        Assert.Equal(BackupTriggers.PreUpgrade, only.Trigger);
    }

    [Theory]
    [InlineData("trigger=hourly", "trigger")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=100000", "pageSize")]
    [InlineData("page=0", "page")]
    [InlineData("status=lost", "status")]
    public async Task a_bad_filter_is_a_400_naming_it(string query, string field)
    {
        using var client = fixture.Stack.Client(Roles.Reader);
        var response = await client.GetAsync("/api/v1/backups?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _));
    }
}
