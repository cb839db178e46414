using System.Net.Http.Json;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Common;
using Ledger.Testing.Stack;
using Npgsql;

namespace Ledger.FaultTests;

/// <summary>The harness itself: the agent runs as its own process, is killed with SIGKILL and comes back with the same configuration.</summary>
[Collection(FaultCollection.Name)]
public sealed class when_the_agent_runs_as_its_own_process(FaultFixture fixture)
{
    [Fact]
    public async Task it_is_heard_killed_and_heard_again_without_a_secret_on_its_command_line()
    {
        await using var agent = fixture.NewAgent("harness-agent");
        await agent.StartAsync();
        var started = DateTimeOffset.UtcNow;
        await fixture.Stack.WaitForHeartbeatAsync("harness-agent", started.AddSeconds(-5), TimeSpan.FromSeconds(90));

        var pid = agent.Pid!.Value;
        var commandLine = agent.CommandLine();
        Assert.EndsWith("Ledger.Agent.dll", commandLine);
        var password = new NpgsqlConnectionStringBuilder(fixture.Stack.LedgerConnectionString).Password;
        Assert.False(string.IsNullOrEmpty(password));
        Assert.DoesNotContain(password!, commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain(password!, File.ReadAllText($"/proc/{pid}/environ"), StringComparison.Ordinal);

        agent.Kill();
        Assert.False(AgentProcess.IsAlive(pid));
        Assert.Null(agent.Pid);

        await agent.StartAsync();
        var restarted = DateTimeOffset.UtcNow;
        Assert.NotEqual(pid, agent.Pid);
        await fixture.Stack.WaitForHeartbeatAsync("harness-agent", restarted, TimeSpan.FromSeconds(90));
        using var client = fixture.Stack.Client(Roles.Reader);
        var agents = await client.GetFromJsonAsync<List<AgentStatus>>("/api/v1/agents");
        Assert.Contains(agents!, a => a.Id == "harness-agent" && a.Databases.Any(d => d.Environment == FaultFixture.Environment));
        Assert.Equal(2, agent.Starts);
        Assert.Contains("[SIGKILL pid", agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_armed_fail_point_marks_the_phase_and_holds_the_agent_there()
    {
        await using var agent = fixture.NewAgent("harness-failpoint");
        await agent.StartAsync("snapshot-export");
        await fixture.Stack.WaitForHeartbeatAsync("harness-failpoint", DateTimeOffset.UtcNow.AddSeconds(-5), TimeSpan.FromSeconds(90));
        var backupId = await fixture.Stack.RequestBackupAsync(FaultFixture.Environment, FaultFixture.Database);

        Assert.True(await agent.WaitForPhaseAsync("snapshot-export", TimeSpan.FromSeconds(90)), agent.Output);
        Assert.Equal(["snapshot-export"], agent.ReachedPhases());
        // Held there: still alive a moment later, and the marker names this incarnation.
        await Task.Delay(500);
        Assert.NotNull(agent.Pid);
        Assert.Equal(agent.Pid.ToString(), File.ReadAllText(Path.Combine(agent.MarkerDirectory, "snapshot-export.reached")));
        agent.Kill();

        // The same configuration, nothing armed: the agent comes back and the backup ends, one way or the other.
        await agent.StartAsync();
        var detail = await fixture.Stack.WaitForStatusAsync($"/api/v1/backups/{backupId}", TimeSpan.FromSeconds(120), "verified", "failed", "verification-failed");
        Assert.NotEqual("running", LedgerReads.Status(detail));
        await agent.StopAsync();
    }
}
