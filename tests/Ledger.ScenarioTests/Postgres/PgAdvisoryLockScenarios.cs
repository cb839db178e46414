using Ledger.Postgres;
using Npgsql;

namespace Ledger.ScenarioTests.Postgres;

/// <summary>The one advisory lock (gates, restore targets, backup sources) against a real PostgreSQL.</summary>
[Collection(LedgerCollection.Name)]
public sealed class PgAdvisoryLockScenarios(LedgerFixture fixture)
{
    private string Server => fixture.Stack.LedgerConnectionString;

    [Fact]
    public async Task when_the_lock_is_held_a_second_request_gives_up_after_its_wait_and_holds_nothing()
    {
        var key = PgAdvisoryLock.KeyFor("scenario", Guid.NewGuid().ToString());
        await using (var held = await PgAdvisoryLock.AcquireAsync(Server, key, TimeSpan.FromSeconds(5), CancellationToken.None))
        {
            var refused = await Assert.ThrowsAsync<PgAdvisoryLockTimeoutException>(() =>
                PgAdvisoryLock.AcquireAsync(Server, key, TimeSpan.FromMilliseconds(200), CancellationToken.None));
            Assert.Equal(key, refused.Key);
            Assert.Equal(1, await HoldersAsync(key)); // only the first: the loser's connection was closed with nothing held
        }

        Assert.Equal(0, await HoldersAsync(key));
        await using var next = await PgAdvisoryLock.AcquireAsync(Server, key, TimeSpan.FromMilliseconds(200), CancellationToken.None);
        Assert.Equal(1, await HoldersAsync(key));
    }

    [Fact]
    public async Task when_a_waiting_request_is_cancelled_its_connection_is_not_left_waiting_or_holding()
    {
        var key = PgAdvisoryLock.KeyFor("scenario", Guid.NewGuid().ToString());
        await using var held = await PgAdvisoryLock.AcquireAsync(Server, key, TimeSpan.FromSeconds(5), CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PgAdvisoryLock.AcquireAsync(Server, key, TimeSpan.FromMinutes(1), cancel.Token));
        Assert.Equal(1, await HoldersAsync(key));
        Assert.Equal(0, await WaitersAsync(key));
    }

    [Fact]
    public async Task a_lock_on_a_callers_connection_is_released_on_dispose_and_the_connection_stays_open()
    {
        var key = PgAdvisoryLock.KeyFor("scenario", Guid.NewGuid().ToString());
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await using (await PgAdvisoryLock.AcquireOnAsync(connection, key, TimeSpan.FromSeconds(1), CancellationToken.None))
        {
            Assert.Equal(1, await HoldersAsync(key));
        }

        Assert.Equal(0, await HoldersAsync(key));
        Assert.Equal(System.Data.ConnectionState.Open, connection.State);
    }

    [Fact]
    public async Task a_zero_wait_is_refused_because_postgresql_would_read_it_as_forever()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            PgAdvisoryLock.AcquireAsync(Server, 42, TimeSpan.Zero, CancellationToken.None));
    }

    private Task<long> HoldersAsync(long key) => CountAsync(key, granted: true);

    private Task<long> WaitersAsync(long key) => CountAsync(key, granted: false);

    private async Task<long> CountAsync(long key, bool granted)
    {
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        // A bigint key is stored as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
        await using var command = new NpgsqlCommand(
            "select count(*) from pg_locks where locktype = 'advisory' and objsubid = 1 and granted = $3"
            + " and classid::bigint = $1 and objid::bigint = $2", connection)
        {
            Parameters =
            {
                new() { Value = (key >> 32) & 0xFFFFFFFFL },
                new() { Value = key & 0xFFFFFFFFL },
                new() { Value = granted },
            },
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
