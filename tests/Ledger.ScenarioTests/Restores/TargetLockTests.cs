using Ledger.Agent.Recovery;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Restores;
using Ledger.Testing.Stack;

namespace Ledger.ScenarioTests.Restores;

/// <summary>
/// Two agents, each serving its own environment, configured for the same PostgreSQL server. The ledger keys its own
/// restore lock by environment and name, so it lets a restore into lk_target through each environment at once: only the
/// agents' locks on the target's server keep them apart. The first restore is held mid-pg_restore (a fail point held in
/// this process), so the second meets it for sure.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_two_agents_restore_into_one_database_on_one_server(LedgerFixture fixture) : IAsyncLifetime
{
    private const string AgentA = "lock-a";
    private const string AgentB = "lock-b";
    private const string EnvironmentA = "lk-a";
    private const string EnvironmentB = "lk-b";
    private const string Source = "lk_src";
    private const string HostA = "lk_host_a";
    private const string HostB = "lk_host_b";
    private const string Target = "lk_target";

    private readonly SafeguardAgents _agents = new(fixture);

    public async Task InitializeAsync()
    {
        var pg = fixture.Stack.Postgres;
        await pg.DropDatabaseAsync(Source);
        var source = await EmbeddedStack.CreateSampleSourceAsync(pg, Source);
        var hostA = await _agents.FreshDatabaseAsync(HostA);
        var hostB = await _agents.FreshDatabaseAsync(HostB);
        await _agents.FreshDatabaseAsync(Target);
        // Short waits, so that a refusal comes within the test's patience.
        var waits = new Dictionary<string, string?> { ["Agent:TargetLockWait"] = "00:00:02", ["Agent:LockWait"] = "00:00:02" };
        await _agents.StartAsync(AgentA,
        [
            new EmbeddedDatabase(EnvironmentA, Source, source, Contracts.Agents.DatabaseRoles.NonPrimary, SafeguardAgents.Off()),
            new EmbeddedDatabase(EnvironmentA, HostA, hostA, Contracts.Agents.DatabaseRoles.NonPrimary, SafeguardAgents.Off()),
        ], waits);
        await _agents.StartAsync(AgentB,
        [
            new EmbeddedDatabase(EnvironmentB, HostB, hostB, Contracts.Agents.DatabaseRoles.NonPrimary, SafeguardAgents.Off()),
        ], waits);
    }

    public async Task DisposeAsync() => await _agents.DisposeAsync();

    [Fact]
    public async Task one_runs_the_other_fails_fast_at_preflight_naming_the_holder_and_the_target_ends_open()
    {
        var backup = await _agents.BackupAsync(EnvironmentA, Source);
        RestoreView second;
        Guid first;
        using (var hold = FailPoints.Hold(Phases.MidPgRestore, Target))
        {
            first = await _agents.RequestAsync(backup.Id, EnvironmentA, Target);
            await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));

            second = RestoreScenario.ViewOf(await _agents.RestoreAsync(backup.Id, EnvironmentB, Target));
        }

        Assert.Equal((RestoreStatus.Failed, RestoreStages.Preflight, false, AgentB),
            (second.Status, second.FailureStage, second.TargetTouched, second.AgentId));
        Assert.Contains($"another restore or backup of {Target} is running on this server (a restore by agent '{AgentA}'", second.FailureReason,
            StringComparison.Ordinal);
        Assert.Null(second.WritesBlockedAt);

        var done = await _agents.FinishedAsync(first);
        Assert.NotNull(done.CompletedAt);
        Assert.Equal(AgentA, done.AgentId);
        Assert.Equal(new TargetSettings(true, true, -1), await _agents.SettingsAsync(Target));

        // The locks went with the reopen: a restore through the other agent now runs.
        var again = RestoreScenario.ViewOf(await _agents.RestoreAsync(backup.Id, EnvironmentB, Target));
        Assert.NotNull(again.CompletedAt);
        Assert.Equal(new TargetSettings(true, true, -1), await _agents.SettingsAsync(Target));
    }

    [Fact]
    public async Task a_backup_of_a_database_a_restore_is_writing_waits_its_bounded_time_and_is_refused_clearly()
    {
        var backup = await _agents.BackupAsync(EnvironmentA, Source);
        Guid restore;
        BackupDetail during;
        using (var hold = FailPoints.Hold(Phases.MidPgRestore, HostA))
        {
            restore = await _agents.RequestAsync(backup.Id, EnvironmentA, HostA);
            await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));

            var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", EnvironmentA, "--db", HostA, "--wait", "--timeout", "2m", "--json");
            during = System.Text.Json.JsonSerializer.Deserialize<BackupDetail>(take.Out, RestoreScenario.Json)!;
        }

        Assert.Equal(BackupStatus.Failed, during.Backup.Status);
        Assert.Contains("held the lock for longer than 2 s", during.Backup.FailureReason, StringComparison.Ordinal);

        var done = await _agents.FinishedAsync(restore);
        Assert.NotNull(done.CompletedAt);
        Assert.Equal(new TargetSettings(true, true, -1), await _agents.SettingsAsync(HostA));
        // Once the restore has reopened its target, the backup runs.
        Assert.Equal(BackupStatus.Verified, (await _agents.BackupAsync(EnvironmentA, HostA)).Status);
    }
}
