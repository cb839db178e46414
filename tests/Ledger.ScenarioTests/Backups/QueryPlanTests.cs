using Ledger.Api.Backups;
using Ledger.Api.Gates;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Restores;
using Ledger.Postgres;
using Marten;
using Marten.Linq;
using Npgsql;

namespace Ledger.ScenarioTests.Backups;

/// <summary>
/// The queries a pipeline or an operator sends on every run are index scans, checked on the SQL Marten generates for the
/// endpoints. The test ledger holds too few rows for the planner to prefer an index on cost, so the plan is asked for
/// with sequential scans, bitmap scans and sorts discouraged: what is left is the index that fits, if there is one.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_the_ledger_answers_its_frequent_queries(LedgerFixture fixture)
{
    private async Task<string> PlanAsync(Func<IQuerySession, NpgsqlCommand> build)
    {
        await using var session = fixture.Store.QuerySession();
        var command = build(session);
        await using var connection = new NpgsqlConnection(PgConnectionStrings.Normalize(fixture.Stack.LedgerConnectionString));
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var settings = new NpgsqlCommand(
                         "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off; SET LOCAL enable_incremental_sort = off",
                         connection, transaction))
        {
            await settings.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("EXPLAIN (COSTS OFF) " + command.CommandText, connection, transaction);
        foreach (NpgsqlParameter parameter in command.Parameters)
        {
            explain.Parameters.Add(parameter.Clone());
        }

        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    [Fact]
    public async Task the_first_page_of_backups_is_read_backwards_from_the_timestamp_index_without_a_sort()
    {
        var plan = await PlanAsync(s => ListBackupsEndpoint.Newest(
            ListBackupsEndpoint.Filter(s, null, null, null, null, null, null, null)).Take(51).ToCommand(FetchType.FetchMany));

        Assert.Contains("Index Scan Backward using mt_doc_restorepoint_idx_list ", plan);
        Assert.DoesNotContain("Sort", plan);
        Assert.DoesNotContain("WindowAgg", plan);
    }

    [Fact]
    public async Task the_first_page_of_one_database_is_read_from_its_own_index_without_a_sort()
    {
        var plan = await PlanAsync(s => ListBackupsEndpoint.Newest(
            ListBackupsEndpoint.Filter(s, "prod", "app", null, null, null, null, null)).Take(51).ToCommand(FetchType.FetchMany));

        Assert.Contains("Index Scan Backward using mt_doc_restorepoint_idx_list_db", plan);
        Assert.DoesNotContain("Sort", plan);
    }

    [Theory]
    [InlineData("r42")]
    [InlineData(null)]
    public async Task fresh_backup_is_one_probe_of_the_composite_index(string? release)
    {
        var plan = await PlanAsync(s => FreshBackups.Query(s, "prod", "app", release, DateTimeOffset.UtcNow.AddHours(-1))
            .Take(1).ToCommand(FetchType.FetchOne));

        Assert.Contains("Index Scan Backward using mt_doc_restorepoint_idx_fresh", plan);
        // Every equality and the time window are index conditions, not filters re-checked on the heap.
        var condition = Assert.Single(plan.Split('\n'), line => line.TrimStart().StartsWith("Index Cond:", StringComparison.Ordinal));
        foreach (var column in new[] { "(environment)", "(database)", "(trigger)", "(data ->> 'Status'::text)", "(\"timestamp\" >=" })
        {
            Assert.Contains(column, condition);
        }

        Assert.DoesNotContain("Sort", plan);
    }

    [Fact]
    public async Task the_first_page_of_restores_is_read_backwards_from_its_index_without_a_sort()
    {
        var plan = await PlanAsync(s => s.Query<RestoreView>().OrderByDescending(x => x.RequestedAt).ThenByDescending(x => x.Id)
            .Take(51).ToCommand(FetchType.FetchMany));

        Assert.Contains("Index Scan Backward using mt_doc_restoreview_idx_list", plan);
        Assert.DoesNotContain("Sort", plan);
    }

    [Theory]
    [InlineData(typeof(RestorePoint))]
    [InlineData(typeof(RestoreView))]
    public async Task the_indexes_as_created_match_their_configuration_so_a_restart_rebuilds_none(Type document)
    {
        // Computed indexes over duplicated columns are compared with what PostgreSQL reports back; a mismatch would
        // drop and rebuild them at every start of the ledger, a long lock on a large table.
        var database = fixture.Store.Storage.Database;
        var feature = ((StoreOptions)fixture.Store.Options).Storage.FindFeature(document);
        var migration = await database.CreateMigrationAsync(feature, CancellationToken.None);
        Assert.True(migration.Difference == Weasel.Core.SchemaPatchDifference.None, migration.Difference.ToString());
    }
}
