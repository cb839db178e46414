using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Common;
using Marten;

namespace Ledger.ScenarioTests.Cli;

/// <summary>The CLI's answers and exit codes against the real ledger (no stand-in for our own API).</summary>
[Collection(LedgerCollection.Name)]
public sealed class when_people_and_pipelines_use_the_cli(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task a_request_the_ledger_refuses_exits_2_naming_each_field()
    {
        var run = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", "nowhere", "--db", "app");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("environment", run.Error);
        Assert.Contains("Unknown environment 'nowhere'", run.Error);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task waiting_gives_up_at_the_timeout_with_exit_124_and_says_how_to_follow_up()
    {
        // An environment announced by an agent that never answers its queue.
        var environment = "mute-" + Guid.NewGuid().ToString("N")[..6];
        await using (var session = fixture.Store.LightweightSession())
        {
            session.Store(new AgentStatus
            {
                Id = "mute-" + environment, Databases = [new ManagedDatabase(environment, "app", DatabaseRoles.NonPrimary)],
                Environments = [environment], FirstSeen = DateTimeOffset.UtcNow, LastHeartbeat = DateTimeOffset.UtcNow,
            });
            await session.SaveChangesAsync();
        }

        var run = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", environment, "--db", "app", "--wait", "--timeout", "2s");

        Assert.Equal(ExitCodes.TimedOut, run.ExitCode);
        Assert.Contains("timed out", run.Error);
        Assert.Contains("dgledger backups show", run.Error);
    }

    [Fact]
    public async Task agents_list_shows_the_embedded_agent_and_what_it_serves()
    {
        var json = await fixture.RunCliAsync(Roles.Reader, "agents", "list", "--json");
        Assert.Equal(ExitCodes.Ok, json.ExitCode);
        var agents = JsonSerializer.Deserialize<List<AgentStatus>>(json.Out, Json)!;
        var agent = Assert.Single(agents, a => a.Id == "embedded-agent");
        Assert.Contains("staging", agent.Environments);
        Assert.DoesNotContain(agent.Databases, d => d.Name.Contains("Password", StringComparison.OrdinalIgnoreCase));

        var table = await fixture.RunCliAsync(Roles.Reader, "agents", "list");
        Assert.Equal(ExitCodes.Ok, table.ExitCode);
        Assert.Contains("embedded-agent", table.Out);
    }

    [Fact]
    public async Task a_token_without_the_role_exits_6_saying_so()
    {
        var run = await fixture.RunCliAsync(Roles.Reader, "backups", "take", "--env", "staging", "--db", "app");
        Assert.Equal(ExitCodes.Unauthorized, run.ExitCode);
        Assert.Contains("role", run.Error);
        Assert.DoesNotContain(fixture.Stack.Tokens[Roles.Reader], run.Out + run.Error);
    }

    [Fact]
    public async Task diff_against_an_unknown_backup_exits_5_with_the_ledgers_reason()
    {
        var id = Guid.NewGuid();
        var run = await fixture.RunCliAsync(Roles.Reader, "diff", "--backup", id.ToString(), "--target", "postgresql://dg@127.0.0.1:1/app");
        Assert.Equal(ExitCodes.NotFound, run.ExitCode);
        Assert.Contains($"No backup with id {id}", run.Error);
    }

    [Fact]
    public async Task diff_against_a_known_backup_and_an_unreachable_target_exits_7_naming_it_without_its_password()
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", "staging", "--db", "app", "--wait", "--timeout", "2m", "--json");
        Assert.Equal(ExitCodes.Ok, take.ExitCode);
        var id = JsonSerializer.Deserialize<Ledger.Contracts.Backups.BackupDetail>(take.Out, Json)!.Backup.Id;

        var run = await fixture.RunCliAsync(Roles.Reader, "diff", "--backup", id.ToString(), "--target", "postgresql://dg:pw-secret-9@127.0.0.1:1/restored");

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("postgresql://dg@127.0.0.1:1/restored", run.Error);
        Assert.DoesNotContain("pw-secret-9", run.Out + run.Error);
    }
}
