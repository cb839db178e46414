using Ledger.Testing.Stack;
using Xunit.Abstractions;

namespace Ledger.FaultTests;

/// <summary>
/// The source database's server (a second private cluster: the ledger's own keeps running) stopped while pg_dump streams
/// from it, by a crash (<c>pg_ctl stop -m immediate</c>) or an administrator's fast shutdown: the agent is held at the
/// <c>mid-dump</c> fail point, the server is stopped, the agent is released. The backup ends failed with a reason naming
/// the lost connection and the phase; nothing is left in the repository or the state directory; nothing is appended
/// twice, nothing verified; once the server is back, the next backup verifies.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class when_the_source_server_stops_mid_dump(FaultFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData("immediate")]
    [InlineData("fast")]
    public async Task the_backup_fails_naming_the_lost_connection_and_the_next_one_verifies(string mode)
    {
        var server = await fixture.SourceServerAsync();
        var repository = EnvironmentFaults.NewRepositoryPath();
        await using var agent = await fixture.NewSourceAgentAsync("source-agent", repository);
        try
        {
            await agent.StartAsync(Ledger.Agent.Recovery.Phases.MidDump);
            await fixture.Stack.WaitForHeartbeatAsync("source-agent", DateTimeOffset.UtcNow, EnvironmentFaults.Bound);

            var backupId = await fixture.Stack.RequestBackupAsync(FaultFixture.SourceEnvironment, FaultFixture.BulkDatabase);
            Assert.True(await agent.WaitForPhaseAsync(Ledger.Agent.Recovery.Phases.MidDump, EnvironmentFaults.Bound), agent.Output);
            await ClusterOutage.StopAsync(server, immediate: mode == "immediate");
            FaultFigures.Environmental($"source stopped mid-dump ({mode})");
            agent.Release(Ledger.Agent.Recovery.Phases.MidDump);

            var detail = await fixture.WaitFinalAsync($"/api/v1/backups/{backupId}", EnvironmentFaults.BackupFinal);
            var backup = detail.GetProperty("backup");
            var reason = backup.GetProperty("failureReason").GetString();
            output.WriteLine($"stopped ({mode}): {reason}");
            Assert.True(backup.GetProperty("status").GetString() == "failed", detail + agent.Output);
            Assert.StartsWith("The connection to the source database was lost during pg_dump", reason);
            await fixture.AssertNothingLeftAsync(repository, backupId, output);
            Assert.Empty(Directory.EnumerateFiles(repository, "*.dump", SearchOption.AllDirectories));

            // The server is started again: the next backup of the same database succeeds and verifies.
            await ClusterOutage.StartAsync(server);
            await fixture.VerifiedBackupAsync(FaultFixture.SourceEnvironment, FaultFixture.BulkDatabase, agent);
            await agent.StopAsync();
            output.WriteLine(FaultFigures.Record());
        }
        finally
        {
            await agent.StopAsync();
            if (!await IsUpAsync(server))
            {
                await ClusterOutage.StartAsync(server);
            }

            EnvironmentFaults.RemoveRepository(repository);
        }
    }

    private static async Task<bool> IsUpAsync(Ledger.Testing.Postgres.PostgresInstance server)
    {
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync();
            return true;
        }
        catch (Npgsql.NpgsqlException)
        {
            return false;
        }
    }
}
