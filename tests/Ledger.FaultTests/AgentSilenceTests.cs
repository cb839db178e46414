using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Ledger.FaultTests;

/// <summary>
/// The agent killed and not started again: the ledger ends its operation once the agent has been silent past the
/// operation lease ("abandoned: ..."), a gate waiting on the backup denies, and when the agent does come back, its
/// recovery puts the target back and its own "interrupted" report appends nothing.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class when_the_agent_does_not_come_back(FaultFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = FaultFixture.Lease + TimeSpan.FromSeconds(60);

    [Fact]
    public async Task the_ledger_abandons_its_backup_after_the_lease_and_the_gate_waiting_on_it_denies()
    {
        await using var agent = fixture.NewAgent("silent-agent");
        var since = DateTime.UtcNow;
        await agent.StartAsync("mid-dump");
        await fixture.Stack.WaitForHeartbeatAsync("silent-agent", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(90));

        using var client = fixture.Stack.Client(Ledger.Contracts.Common.Roles.Pipeline);
        var response = await client.PostAsJsonAsync("/api/v1/gates", new
        {
            environment = FaultFixture.Environment, database = FaultFixture.Database,
            targetRelease = "v" + Guid.NewGuid().ToString("N")[..6], currentRelease = "v-running", timeoutSeconds = 3600,
        });
        var gate = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, gate.ToString());
        Assert.Equal("pending", gate.GetProperty("status").GetString());
        var gateId = gate.GetProperty("id").GetGuid();

        Assert.True(await agent.WaitForPhaseAsync("mid-dump", TimeSpan.FromSeconds(90)), agent.Output);
        agent.Kill();
        FaultFigures.Injected("mid-dump (no restart)");
        var killedAt = DateTimeOffset.UtcNow;

        var denied = await fixture.Stack.WaitForStatusAsync($"/api/v1/gates/{gateId}", Bound, "denied", "open", "expired");
        Assert.Equal("denied", LedgerReads.Status(denied));
        var backupId = denied.GetProperty("backupId").GetGuid();
        var backup = (await fixture.Stack.GetAsync($"/api/v1/backups/{backupId}")).GetProperty("backup");
        Assert.Equal("failed", backup.GetProperty("status").GetString());
        Assert.StartsWith("abandoned: agent 'silent-agent' has sent no heartbeat", backup.GetProperty("failureReason").GetString());
        output.WriteLine($"gate denied {(DateTimeOffset.UtcNow - killedAt).TotalSeconds:0} s after the kill (lease {FaultFixture.Lease.TotalSeconds:0} s): {denied}");

        // The agent comes back: it cleans up; its "interrupted" report appends nothing to the ended backup.
        await agent.StartAsync();
        await fixture.Stack.WaitForHeartbeatAsync("silent-agent", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(90));
        await WaitForRecoveryAsync(agent);
        var duplicates = await fixture.DuplicatesAsync(backupId);
        FaultFigures.Duplicates(duplicates);
        Assert.Equal(0, duplicates);
        var leftovers = FaultChecks.Leftovers(FaultFixture.RepositoryOf(agent), since);
        FaultFigures.Leftovers(leftovers.Count);
        Assert.Empty(leftovers);
        await agent.StopAsync();
        output.WriteLine(FaultFigures.Record());
    }

    [Fact]
    public async Task the_ledger_abandons_its_restore_after_the_lease_and_the_returning_agent_reopens_the_target()
    {
        await using var agent = fixture.NewAgent("silent-agent");
        await agent.StartAsync("mid-pg_restore");
        await fixture.Stack.WaitForHeartbeatAsync("silent-agent", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(90));
        var original = await fixture.TargetSettingsAsync(FaultFixture.Target);
        var backupId = await fixture.Stack.RequestBackupAsync(FaultFixture.Environment, FaultFixture.Database);
        await fixture.Stack.WaitForStatusAsync($"/api/v1/backups/{backupId}", TimeSpan.FromSeconds(90), "verified");

        using var client = fixture.Stack.Client(Ledger.Contracts.Common.Roles.Operator);
        var response = await client.PostAsJsonAsync("/api/v1/restores", new { backupId, targetDatabase = FaultFixture.Target, confirm = FaultFixture.Target });
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, accepted.ToString());
        var restoreId = accepted.GetProperty("restoreId").GetGuid();
        Assert.True(await agent.WaitForPhaseAsync("mid-pg_restore", TimeSpan.FromSeconds(90)), agent.Output);
        agent.Kill();
        FaultFigures.Injected("mid-pg_restore (no restart)");

        var restore = await fixture.Stack.WaitForStatusAsync($"/api/v1/restores/{restoreId}", Bound, "failed", "verified", "verification-failed");
        Assert.Equal("failed", LedgerReads.Status(restore));
        Assert.Equal("abandoned", restore.GetProperty("failureStage").GetString());
        Assert.StartsWith("abandoned: agent 'silent-agent'", restore.GetProperty("failureReason").GetString());
        // Until the agent is back, the target stays as the agent left it, and the restore's reason says so.
        Assert.Equal("true/0", await fixture.TargetSettingsAsync(FaultFixture.Target));

        await agent.StartAsync();
        await fixture.Stack.WaitForHeartbeatAsync("silent-agent", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(90));
        await WaitForRecoveryAsync(agent);
        var after = await fixture.TargetSettingsAsync(FaultFixture.Target);
        if (after != original)
        {
            FaultFigures.TargetLeftClosed();
        }

        Assert.Equal(original, after);
        Assert.Equal(0, await fixture.RestoreSessionsAsync());
        var duplicates = await fixture.DuplicatesAsync(restoreId);
        FaultFigures.Duplicates(duplicates);
        Assert.Equal(0, duplicates);
        await agent.StopAsync();
        output.WriteLine(FaultFigures.Record());
    }

    private static async Task WaitForRecoveryAsync(Ledger.Testing.Stack.AgentProcess agent)
    {
        // The restarted incarnation's recovery has sent its reports; the ledger then has a moment to (not) append them.
        var marker = $"[{agent.Starts}] ";
        bool Sent() => agent.Output.Split('\n').Any(l => l.StartsWith(marker, StringComparison.Ordinal) && l.Contains("report(s) of interrupted steps sent", StringComparison.Ordinal));
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (!Sent() && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(Sent(), agent.Output);
        await Task.Delay(TimeSpan.FromSeconds(3));
    }
}
