using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Gates;
using Marten;

namespace Ledger.ScenarioTests.Gates;

[Collection(LedgerCollection.Name)]
public sealed class when_an_upgrade_pipeline_asks_for_a_gate(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static string Release() => "v" + Guid.NewGuid().ToString("N")[..10];

    private async Task<GateView> RequestAsync(RequestGate request)
    {
        using var client = fixture.Stack.Client(Roles.Pipeline);
        var response = await client.PostAsJsonAsync("/api/v1/gates", request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<GateView>(Json))!;
    }

    private async Task<int> PreUpgradeBackupsForAsync(string release)
    {
        await using var session = fixture.Store.QuerySession();
        return await session.Query<RestorePoint>().CountAsync(x => x.Release == release && x.Trigger == BackupTriggers.PreUpgrade);
    }

    [Fact]
    public async Task it_opens_at_once_when_a_fresh_verified_backup_of_the_running_release_exists()
    {
        var running = Release();
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", "staging", "--db", "app",
            "--trigger", "pre-upgrade", "--release", running, "--wait", "--timeout", "2m", "--json");
        Assert.Equal(0, take.ExitCode);
        var backupId = JsonSerializer.Deserialize<BackupDetail>(take.Out, Json)!.Backup.Id;

        var gate = await RequestAsync(new RequestGate("staging", "app", Release(), running));

        Assert.Equal(GateStatus.Open, gate.Status);
        Assert.Equal(backupId, gate.BackupId);
        Assert.Equal(1, await PreUpgradeBackupsForAsync(running));

        var check = await fixture.RunCliAsync(Roles.Pipeline, "gate", "check", "--env", "staging", "--db", "app", "--release", running);
        Assert.Equal(ExitCodes.Ok, check.ExitCode);
        var stale = await fixture.RunCliAsync(Roles.Pipeline, "gate", "check", "--env", "staging", "--db", "app", "--release", Release());
        Assert.Equal(ExitCodes.NoFreshBackup, stale.ExitCode);
        Assert.Contains("No verified pre-upgrade backup", stale.Out);
    }

    [Fact]
    public async Task it_triggers_one_pre_upgrade_backup_and_opens_when_it_is_verified()
    {
        var running = Release();
        var run = await fixture.RunCliAsync(Roles.Pipeline, "gate", "require", "--env", "staging", "--db", "app",
            "--release", Release(), "--current-release", running, "--timeout", "2m", "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var gate = JsonSerializer.Deserialize<GateView>(run.Out, Json)!;
        Assert.Equal(GateStatus.Open, gate.Status);
        await using var session = fixture.Store.QuerySession();
        var backup = await session.LoadAsync<RestorePoint>(gate.BackupId!.Value);
        Assert.Equal((BackupStatus.Verified, BackupTriggers.PreUpgrade, running), (backup!.Status, backup.Trigger, backup.Release));
    }

    [Fact]
    public async Task ten_concurrent_requests_join_one_gate_and_cause_exactly_one_backup()
    {
        var running = Release();
        var request = new RequestGate("staging", "app", Release(), running);

        var gates = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => RequestAsync(request)));

        Assert.Single(gates.Select(g => g.Id).Distinct());
        Assert.Single(gates.Select(g => g.BackupId).Distinct());
        Assert.Equal(1, await PreUpgradeBackupsForAsync(running));
    }

    [Fact]
    public async Task a_failing_backup_denies_it_with_the_reason()
    {
        var run = await fixture.RunCliAsync(Roles.Pipeline, "gate", "require", "--env", LedgerFixture.BrokenEnvironment,
            "--db", LedgerFixture.BrokenDatabase, "--release", Release(), "--current-release", Release(), "--timeout", "2m", "--json");

        Assert.Equal(ExitCodes.NoFreshBackup, run.ExitCode);
        var gate = JsonSerializer.Deserialize<GateView>(run.Out, Json)!;
        Assert.Equal(GateStatus.Denied, gate.Status);
        Assert.Contains("did not succeed", Assert.Single(gate.Reasons));
    }

    [Fact]
    public async Task it_expires_when_the_backup_does_not_arrive_before_the_deadline()
    {
        // An agent that announces itself but never answers its queue.
        var environment = "silent-" + Guid.NewGuid().ToString("N")[..6];
        await using (var session = fixture.Store.LightweightSession())
        {
            session.Store(new AgentStatus
            {
                Id = "mute-" + environment, Databases = [new ManagedDatabase(environment, "app", DatabaseRoles.NonPrimary)],
                Environments = [environment], FirstSeen = DateTimeOffset.UtcNow, LastHeartbeat = DateTimeOffset.UtcNow.AddHours(1),
            });
            await session.SaveChangesAsync();
        }

        var gate = await RequestAsync(new RequestGate(environment, "app", Release(), Release(), TimeoutSeconds: 5));
        Assert.Equal(GateStatus.Pending, gate.Status);

        var run = await fixture.RunCliAsync(Roles.Pipeline, "gate", "require", "--env", environment, "--db", "app",
            "--release", gate.TargetRelease, "--current-release", gate.CurrentRelease!, "--timeout", "1m", "--json");

        Assert.Equal(ExitCodes.NoFreshBackup, run.ExitCode);
        var expired = JsonSerializer.Deserialize<GateView>(run.Out, Json)!;
        Assert.Equal((gate.Id, GateStatus.Expired), (expired.Id, expired.Status));
        Assert.Contains("deadline", Assert.Single(expired.Reasons));
    }

    [Fact]
    public async Task a_bad_request_names_the_field_and_appends_nothing()
    {
        using var client = fixture.Stack.Client(Roles.Pipeline);
        var before = await fixture.EventCountAsync();
        var response = await client.PostAsJsonAsync("/api/v1/gates", new RequestGate("staging", "app", "", null, MaxBackupAgeSeconds: 1));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("targetRelease", body);
        Assert.Contains("maxBackupAgeSeconds", body);
        Assert.Equal(before, await fixture.EventCountAsync());
    }
}
