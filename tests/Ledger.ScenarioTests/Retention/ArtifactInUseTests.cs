using Ledger.Agent;
using Ledger.Agent.Recovery;
using Ledger.Agent.Repositories;
using Ledger.Agent.Retention;
using Ledger.Contracts.Retention;
using Ledger.ScenarioTests.Restores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.ScenarioTests.Retention;

/// <summary>
/// The ledger decides retention with holds for unfinished restores, but the agent deletes: it checks again at the
/// deletion. An ExpireBackup that reaches the agent while a restore of that backup is in pg_restore (held there by a fail
/// point) is refused, nothing is deleted, and the restore then completes.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_an_expiry_reaches_the_agent_while_a_restore_reads_the_artifact(LedgerFixture fixture)
{
    private const string Target = "app_expiry_hold";

    [Fact]
    public async Task it_is_refused_nothing_is_deleted_and_the_restore_completes()
    {
        var agents = new SafeguardAgents(fixture);
        var backup = await agents.BackupAsync(LedgerFixture.RetentionEnvironment, LedgerFixture.Database);
        await fixture.Stack.Postgres.DropDatabaseAsync(Target);
        var services = fixture.Stack.Agent.Services;
        var expire = new ExpireBackup(backup.Id, LedgerFixture.RetentionEnvironment, LedgerFixture.Database, backup.ArtifactPath!, "daily", backup.Repository, backup.Key);

        Guid restoreId;
        object[] answer;
        using (var hold = FailPoints.Hold(Phases.MidPgRestore, Target))
        {
            restoreId = await agents.RequestAsync(backup.Id, LedgerFixture.RetentionEnvironment, Target);
            await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));

            answer = await ExpireBackupHandler.Handle(expire, services.GetRequiredService<AgentOptions>(), services.GetRequiredService<BackupRepositories>(),
                services.GetRequiredService<ArtifactsInUse>(), NullLogger<ExpireBackup>.Instance, DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.True(File.Exists(backup.ArtifactPath), "the artifact was deleted while pg_restore read it");
        }

        var refused = Assert.IsType<BackupExpiryRefused>(Assert.Single(answer));
        Assert.Contains($"restore {restoreId}", refused.Reason, StringComparison.Ordinal);
        var restore = await agents.FinishedAsync(restoreId);
        Assert.NotNull(restore.CompletedAt);
        Assert.True(File.Exists(backup.ArtifactPath));

        // Once the restore has finished, the same expiry deletes the artifact.
        var later = await ExpireBackupHandler.Handle(expire, services.GetRequiredService<AgentOptions>(), services.GetRequiredService<BackupRepositories>(),
            services.GetRequiredService<ArtifactsInUse>(), NullLogger<ExpireBackup>.Instance, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.IsType<BackupExpired>(Assert.Single(later));
        Assert.False(File.Exists(backup.ArtifactPath));
        await fixture.Stack.Postgres.DropDatabaseAsync(Target);
    }
}
