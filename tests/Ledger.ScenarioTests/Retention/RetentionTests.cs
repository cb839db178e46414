using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Api.Retention;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Gates;
using Ledger.Contracts.Restores;
using Ledger.Contracts.Retention;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Ledger.ScenarioTests.Retention;

[Collection(LedgerCollection.Name)]
public sealed class when_backups_are_pruned(LedgerFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string Env = LedgerFixture.RetentionEnvironment;

    private async Task<RestorePoint> TakeAsync(string kind, string release)
    {
        var run = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", Env, "--db", "app",
            "--kind", kind, "--release", release, "--wait", "--timeout", "2m", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        return JsonSerializer.Deserialize<BackupDetail>(run.Out, Json)!.Backup;
    }

    private Task<PrunePlan> PruneAsync(bool dryRun, DateTimeOffset now, RetentionOptions policy) =>
        fixture.Stack.Ledger.Services.GetRequiredService<IMessageBus>().InvokeAsync<PrunePlan>(new RunPrune(dryRun, now, Env, policy));

    [Fact]
    public async Task the_newest_verified_and_gate_held_backups_survive_and_the_dry_run_lists_exactly_what_the_real_run_deletes()
    {
        var held = await TakeAsync(BackupTriggers.PreUpgrade, "r-held-" + Guid.NewGuid().ToString("N")[..6]);
        using (var client = fixture.Stack.Client(Roles.Pipeline))
        {
            var gate = await (await client.PostAsJsonAsync("/api/v1/gates", new RequestGate(Env, "app", "r-next", held.Release)))
                .Content.ReadFromJsonAsync<GateView>(Json);
            Assert.Equal((GateStatus.Open, held.Id), (gate!.Status, gate.BackupId));
        }

        var old = await TakeAsync(BackupTriggers.Manual, "r1");
        var newest = await TakeAsync(BackupTriggers.Manual, "r2");

        // Keep nothing by age or count: only the newest verified backup and the gate's hold remain.
        var policy = new RetentionOptions(DailyDays: 0, PreUpgradeKeep: 0, GateHold: TimeSpan.FromDays(1), "30 3 * * *", true);
        var now = DateTimeOffset.UtcNow.AddMinutes(1);
        var dry = await PruneAsync(true, now, policy);
        Assert.Contains(dry.Keep, d => d.BackupId == newest.Id && d.Rule.StartsWith("newest verified"));
        Assert.Contains(dry.Keep, d => d.BackupId == held.Id && d.Rule.Contains("held by open gate"));
        Assert.Contains(dry.Delete, d => d.BackupId == old.Id && d.Rule.StartsWith("daily"));
        Assert.True(File.Exists(old.ArtifactPath), "a dry run deleted something");

        var real = await PruneAsync(false, now, policy);
        Assert.Equal(dry.Delete.Select(d => (d.BackupId, d.Rule)), real.Delete.Select(d => (d.BackupId, d.Rule)));
        Assert.Equal(dry.Keep.Select(d => (d.BackupId, d.Rule)), real.Keep.Select(d => (d.BackupId, d.Rule)));

        // The agent deletes each expired artifact and the ledger records BackupExpired with the rule.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        RestorePoint? expired = null;
        while (DateTime.UtcNow < deadline)
        {
            await using var session = fixture.Store.QuerySession();
            var gone = await session.Query<RestorePoint>().Where(x => x.Environment == Env && x.Status == BackupStatus.Expired).ToListAsync();
            if (real.Delete.All(d => gone.Any(g => g.Id == d.BackupId)))
            {
                expired = gone.Single(g => g.Id == old.Id);
                break;
            }

            await Task.Delay(100);
        }

        Assert.NotNull(expired);
        Assert.StartsWith("daily", expired!.ExpiredBy);
        Assert.False(File.Exists(old.ArtifactPath));
        Assert.False(File.Exists(Path.ChangeExtension(old.ArtifactPath!, ".json")));
        Assert.True(File.Exists(newest.ArtifactPath));
        Assert.True(File.Exists(held.ArtifactPath));

        var list = await fixture.RunCliAsync(Roles.Reader, "backups", "list", "--env", Env, "--json");
        var page = JsonSerializer.Deserialize<Page<RestorePoint>>(list.Out, Json)!;
        Assert.DoesNotContain(page.Items, x => x.Id == old.Id);
        var show = await fixture.RunCliAsync(Roles.Reader, "backups", "show", old.Id.ToString(), "--json");
        Assert.Equal("BackupExpired", JsonSerializer.Deserialize<BackupDetail>(show.Out, Json)!.History[^1].Type);
    }

    [Fact]
    public async Task a_backup_that_a_restore_is_reading_is_held_whatever_its_age()
    {
        var reading = await TakeAsync(BackupTriggers.Manual, "r-read");
        await TakeAsync(BackupTriggers.Manual, "r-newer");
        // A restore of it that an agent has not finished: as the ledger records one it has accepted.
        var restoreId = Guid.CreateVersion7();
        var target = new RestoreTarget(Env, "app_copy_" + Guid.NewGuid().ToString("N")[..6], "app", DatabaseRoles.NonPrimary, false);
        await using (var session = fixture.Store.LightweightSession())
        {
            session.Events.StartStream<Ledger.Api.Restores.Restore>(restoreId, new RestoreRequested(restoreId, reading.Id, Env, "app", target,
                false, false, reading.SizeBytes ?? 0, reading.Timestamp, new RestoreEstimate(null, "none", 0), [], "operator",
                DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        var policy = new RetentionOptions(DailyDays: 0, PreUpgradeKeep: 0, GateHold: TimeSpan.FromDays(1), "30 3 * * *", true);
        var dry = await PruneAsync(true, DateTimeOffset.UtcNow.AddMinutes(1), policy);

        var kept = Assert.Single(dry.Keep, d => d.BackupId == reading.Id);
        Assert.Contains($"held by requested restore {restoreId}", kept.Rule);
        Assert.DoesNotContain(dry.Delete, d => d.BackupId == reading.Id);
    }

    [Fact]
    public async Task a_dry_run_through_the_cli_changes_nothing()
    {
        var before = await fixture.EventCountAsync();
        var run = await fixture.RunCliAsync(Roles.Operator, "backups", "prune", "--dry-run", "--env", Env);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("dry run: nothing changed", run.Out);
        Assert.Equal(before, await fixture.EventCountAsync());

        var reader = await fixture.RunCliAsync(Roles.Reader, "backups", "prune", "--dry-run");
        Assert.Equal(Ledger.Cli.ExitCodes.Unauthorized, reader.ExitCode);
    }
}
