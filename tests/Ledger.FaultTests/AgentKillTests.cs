using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Testing.Stack;
using Xunit.Abstractions;

namespace Ledger.FaultTests;

/// <summary>
/// The agent, as its own process, SIGKILLed at each phase of a backup, a restore, a plan and a drill, then started
/// again with the same configuration. After each: the operation has ended with a failure naming the phase (never a
/// false "verified"), no file is left over, no pg_dump/pg_restore outlived the agent, the target is open with its
/// original settings, no report was appended twice, and the next operation succeeds.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class when_the_agent_is_killed(FaultFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private static readonly string[] BackupFinal = ["verified", "failed", "verification-failed"];
    private static readonly string[] RestoreFinal = ["verified", "failed", "verification-failed", "refused", "planned"];

    [Theory]
    [InlineData("snapshot-export", "failed")]
    [InlineData("mid-dump", "failed")]
    [InlineData("fingerprint", "failed")]
    [InlineData("rename", "failed")]
    [InlineData("verification", "verification-failed")]
    public async Task during_a_backup_it_ends_failed_and_leaves_nothing(string phase, string expected)
    {
        await using var agent = fixture.NewAgent("fault-agent");
        var since = DateTime.UtcNow;
        await agent.StartAsync(phase);
        await WaitForAgentAsync(agent);

        var backupId = await fixture.Stack.RequestBackupAsync(FaultFixture.Environment, FaultFixture.Database);
        Assert.True(await agent.WaitForPhaseAsync(phase, Bound), agent.Output);
        var children = await KillAsync(agent, phase);

        await agent.StartAsync();
        var detail = await WaitAsync($"/api/v1/backups/{backupId}", BackupFinal);
        var backup = detail.GetProperty("backup");
        Assert.Equal(expected, backup.GetProperty("status").GetString());
        Assert.StartsWith("interrupted: the agent restarted during", backup.GetProperty("failureReason").GetString());

        await AssertCleanAsync(agent, backupId, since, children);
        // The next backup of the same database succeeds.
        var next = await fixture.Stack.RequestBackupAsync(FaultFixture.Environment, FaultFixture.Database);
        Assert.Equal("verified", LedgerReads.Status(await WaitAsync($"/api/v1/backups/{next}", BackupFinal)));
        await agent.StopAsync();
        Print(agent);
    }

    [Theory]
    [InlineData("artifact-check", "failed", false)]
    [InlineData("target-closed", "failed", true)]
    [InlineData("mid-pg_restore", "failed", true)]
    [InlineData("reopen", "failed", false)]
    [InlineData("post-restore-verification", "verification-failed", false)]
    public async Task during_a_restore_it_ends_failed_and_the_target_is_open_as_before(string phase, string expected, bool closedAtKill)
    {
        await using var agent = fixture.NewAgent("fault-agent");
        var since = DateTime.UtcNow;
        await agent.StartAsync(phase);
        await WaitForAgentAsync(agent);
        var original = await fixture.TargetSettingsAsync(FaultFixture.Target);
        Assert.Equal($"true/{FaultFixture.TargetConnectionLimit}", original);
        var backupId = await VerifiedBackupAsync();

        var restoreId = await RequestRestoreAsync(backupId, plan: false);
        Assert.True(await agent.WaitForPhaseAsync(phase, Bound), agent.Output);
        if (closedAtKill)
        {
            // Killed while the target is closed to everyone but superusers.
            Assert.Equal("true/0", await fixture.TargetSettingsAsync(FaultFixture.Target));
        }

        var children = await KillAsync(agent, phase);
        await agent.StartAsync();
        var restore = await WaitAsync($"/api/v1/restores/{restoreId}", RestoreFinal);
        Assert.Equal(expected, LedgerReads.Status(restore));
        var reason = restore.GetProperty(expected == "failed" ? "failureReason" : "failureReason");
        Assert.True(reason.ValueKind == JsonValueKind.String && reason.GetString()!.StartsWith("interrupted: the agent restarted during", StringComparison.Ordinal)
                    || Checks(restore).Contains("interrupted", StringComparison.Ordinal), restore.ToString());

        var after = await fixture.TargetSettingsAsync(FaultFixture.Target);
        if (after != original)
        {
            FaultFigures.TargetLeftClosed();
        }

        Assert.Equal(original, after);
        await AssertCleanAsync(agent, restoreId, since, children);

        // The next restore into the same target succeeds, and leaves it as it was.
        var next = await RequestRestoreAsync(backupId, plan: false);
        var nextRestore = await WaitAsync($"/api/v1/restores/{next}", RestoreFinal);
        Assert.True(LedgerReads.Status(nextRestore) == "verified", nextRestore.ToString());
        Assert.Equal(original, await fixture.TargetSettingsAsync(FaultFixture.Target));
        await agent.StopAsync();
        Print(agent);
    }

    [Fact]
    public async Task during_a_plan_it_ends_failed_and_the_next_plan_is_made()
    {
        await using var agent = fixture.NewAgent("fault-agent");
        var since = DateTime.UtcNow;
        await agent.StartAsync("plan");
        await WaitForAgentAsync(agent);
        var backupId = await VerifiedBackupAsync();

        var planId = await RequestRestoreAsync(backupId, plan: true);
        Assert.True(await agent.WaitForPhaseAsync("plan", Bound), agent.Output);
        var children = await KillAsync(agent, "plan");
        await agent.StartAsync();
        var plan = await WaitAsync($"/api/v1/restores/{planId}", RestoreFinal);
        Assert.Equal("failed", LedgerReads.Status(plan));
        Assert.StartsWith("interrupted: the agent restarted during the plan", plan.GetProperty("failureReason").GetString());
        Assert.Equal($"true/{FaultFixture.TargetConnectionLimit}", await fixture.TargetSettingsAsync(FaultFixture.Target));
        await AssertCleanAsync(agent, planId, since, children);

        var next = await RequestRestoreAsync(backupId, plan: true);
        Assert.Equal("planned", LedgerReads.Status(await WaitAsync($"/api/v1/restores/{next}", RestoreFinal)));
        await agent.StopAsync();
        Print(agent);
    }

    [Fact]
    public async Task during_a_drill_drop_the_restarted_agent_finishes_the_drop()
    {
        await using var agent = fixture.NewAgent("fault-agent");
        var since = DateTime.UtcNow;
        await agent.StartAsync("drill-drop");
        await WaitForAgentAsync(agent);
        await VerifiedBackupAsync();

        var drillId = await RequestDrillAsync();
        Assert.True(await agent.WaitForPhaseAsync("drill-drop", Bound), agent.Output);
        var drillTarget = FaultFixture.Database + "_drill";
        Assert.True(await fixture.DatabaseExistsAsync(drillTarget));
        var children = await KillAsync(agent, "drill-drop");
        await agent.StartAsync();

        var drill = await WaitForDrillTargetAsync(drillId);
        Assert.Equal("passed", LedgerReads.Status(drill));
        Assert.Equal("dropped", drill.GetProperty("targetOutcome").GetString());
        Assert.False(await fixture.DatabaseExistsAsync(drillTarget));
        await AssertCleanAsync(agent, drillId, since, children);

        var next = await WaitForDrillTargetAsync(await RequestDrillAsync());
        Assert.Equal("passed", LedgerReads.Status(next));
        Assert.Equal("dropped", next.GetProperty("targetOutcome").GetString());
        await agent.StopAsync();
        Print(agent);
    }

    private async Task WaitForAgentAsync(AgentProcess agent) =>
        await fixture.Stack.WaitForHeartbeatAsync("fault-agent", DateTimeOffset.UtcNow, Bound);

    /// <summary>SIGKILL at the phase; returns the pg_dump/pg_restore children the agent had at that moment.</summary>
    private async Task<IReadOnlyList<int>> KillAsync(AgentProcess agent, string phase)
    {
        var children = FaultChecks.ChildProcesses(agent);
        agent.Kill();
        FaultFigures.Injected(phase);
        var survivors = await FaultChecks.SurvivorsAsync(children, TimeSpan.FromSeconds(10));
        FaultFigures.Orphans(survivors.Count);
        Assert.Empty(survivors);
        return children;
    }

    private async Task AssertCleanAsync(AgentProcess agent, Guid streamId, DateTime since, IReadOnlyList<int> children)
    {
        var leftovers = FaultChecks.Leftovers(FaultFixture.RepositoryOf(agent), since);
        FaultFigures.Leftovers(leftovers.Count);
        Assert.Empty(leftovers);
        var sessions = await fixture.RestoreSessionsAsync();
        FaultFigures.Orphans(sessions);
        Assert.Equal(0, sessions);
        var duplicates = await fixture.DuplicatesAsync(streamId);
        FaultFigures.Duplicates(duplicates);
        Assert.Equal(0, duplicates);
        var types = await fixture.EventTypesAsync(streamId);
        if (types.Any(t => t is "backup_verified" or "verification_passed"))
        {
            FaultFigures.FalseVerified();
        }

        Assert.DoesNotContain(types, t => t is "backup_verified" or "verification_passed");
        output.WriteLine($"{streamId}: {string.Join(" -> ", types)}; children at the kill: {children.Count}, all gone");
    }

    private async Task<JsonElement> WaitAsync(string path, string[] statuses)
    {
        try
        {
            return await fixture.Stack.WaitForStatusAsync(path, Bound, statuses);
        }
        catch (TimeoutException)
        {
            FaultFigures.Stuck();
            throw;
        }
    }

    private async Task<Guid> VerifiedBackupAsync()
    {
        var id = await fixture.Stack.RequestBackupAsync(FaultFixture.Environment, FaultFixture.Database);
        Assert.Equal("verified", LedgerReads.Status(await WaitAsync($"/api/v1/backups/{id}", BackupFinal)));
        return id;
    }

    private async Task<Guid> RequestRestoreAsync(Guid backupId, bool plan)
    {
        using var client = fixture.Stack.Client(Ledger.Contracts.Common.Roles.Operator);
        var response = await client.PostAsJsonAsync("/api/v1/restores",
            new { backupId, targetDatabase = FaultFixture.Target, confirm = FaultFixture.Target, plan });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("restoreId").GetGuid();
    }

    private async Task<Guid> RequestDrillAsync()
    {
        using var client = fixture.Stack.Client(Ledger.Contracts.Common.Roles.Operator);
        var response = await client.PostAsJsonAsync("/api/v1/drills", new { environment = FaultFixture.Environment, database = FaultFixture.Database });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("drillId").GetGuid();
    }

    /// <summary>A drill once it has ended and its target's fate is known (not "dropping").</summary>
    private async Task<JsonElement> WaitForDrillTargetAsync(Guid drillId)
    {
        var deadline = DateTimeOffset.UtcNow + Bound;
        JsonElement drill = default;
        while (DateTimeOffset.UtcNow < deadline)
        {
            drill = await fixture.Stack.GetAsync($"/api/v1/drills/{drillId}");
            if (LedgerReads.Status(drill) != "running" && drill.TryGetProperty("targetOutcome", out var outcome)
                && outcome.ValueKind == JsonValueKind.String && outcome.GetString() != "dropping")
            {
                return drill;
            }

            await Task.Delay(200);
        }

        FaultFigures.Stuck();
        throw new TimeoutException($"drill {drillId} did not end: {drill}");
    }

    private static string Checks(JsonElement restore) =>
        restore.TryGetProperty("checks", out var checks) ? checks.ToString() : "";

    private void Print(AgentProcess agent)
    {
        output.WriteLine(FaultFigures.Record());
        output.WriteLine(string.Join(Environment.NewLine, agent.Output.Split('\n').Where(l => l.Contains("Recovery", StringComparison.Ordinal) || l.Contains("[S", StringComparison.Ordinal)).Take(20)));
    }
}
