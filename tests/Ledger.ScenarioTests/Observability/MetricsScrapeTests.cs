using System.Globalization;
using System.Net;
using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;

namespace Ledger.ScenarioTests.Observability;

[Collection(ObservabilityCollection.Name)]
public sealed class when_the_ledger_is_scraped_after_a_scripted_history(ObservabilityFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task it_exposes_each_series_with_the_values_the_history_implies()
    {
        // The history: two verified manual backups of obs/app, one pre-upgrade; a failed backup of obs-broken/gone; and a
        // gate for obs-broken/gone, whose pre-upgrade backup fails, so the gate is denied.
        var first = await TakeAsync(ObservabilityFixture.Environment, ObservabilityFixture.Database, "manual", ExitCodes.Ok);
        var second = await TakeAsync(ObservabilityFixture.Environment, ObservabilityFixture.Database, "pre-upgrade", ExitCodes.Ok);
        await TakeAsync(ObservabilityFixture.BrokenEnvironment, ObservabilityFixture.Gone, "manual", ExitCodes.BackupFailed);
        var gate = await fixture.RunCliAsync(Roles.Pipeline, "gate", "require", "--env", ObservabilityFixture.BrokenEnvironment,
            "--db", ObservabilityFixture.Gone, "--release", "r2", "--timeout", "2m", "--json");
        Assert.True(gate.ExitCode == ExitCodes.NoFreshBackup, $"exit {gate.ExitCode}: {gate.Error}{gate.Out}");
        // And a drill of obs/app: a faithful restore whose projection checks fail (the sample is not a DecisionGraph
        // database), so the drill and its restore end in verification_failed.
        var drillRun = await fixture.RunCliAsync(Roles.Operator, "drills", "run", "--env", ObservabilityFixture.Environment,
            "--db", ObservabilityFixture.Database, "--timeout", "3m", "--json");
        Assert.True(drillRun.ExitCode == ExitCodes.RestoreFailed, $"exit {drillRun.ExitCode}: {drillRun.Error}{drillRun.Out}");
        var drill = JsonSerializer.Deserialize<DrillView>(drillRun.Out, Json)!;

        using var reader = fixture.Stack.Client(Roles.Reader);
        using var response = await reader.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
        var series = Parse(await response.Content.ReadAsStringAsync());

        const string app = "environment=\"obs\",database=\"app\"";
        const string gone = "environment=\"obs-broken\",database=\"gone\"";
        Assert.Equal(1, series[$"dgledger_backups_total{{{app},trigger=\"manual\",outcome=\"verified\"}}"]);
        Assert.Equal(1, series[$"dgledger_backups_total{{{app},trigger=\"pre-upgrade\",outcome=\"verified\"}}"]);
        Assert.Equal(1, series[$"dgledger_backups_total{{{gone},trigger=\"manual\",outcome=\"failed\"}}"]);
        Assert.Equal(1, series[$"dgledger_backups_total{{{gone},trigger=\"pre-upgrade\",outcome=\"failed\"}}"]);
        Assert.Equal(1, series[$"dgledger_gate_decisions_total{{{gone},outcome=\"denied\"}}"]);
        Assert.Equal(1, series[$"dgledger_drills_total{{{app},outcome=\"verification_failed\"}}"]);
        Assert.Equal(1, series[$"dgledger_restores_total{{{app},outcome=\"verification_failed\"}}"]);
        Assert.Equal(drill.RtoMs!.Value / 1000.0, series[$"dgledger_drill_last_rto_seconds{{{app}}}"]);
        Assert.DoesNotContain(series.Keys, k => k.StartsWith("dgledger_drill_last_passed_timestamp_seconds{" + app, StringComparison.Ordinal));

        // The newest verified backup is the second one: its snapshot time, its size and its duration.
        Assert.Equal(second.Timestamp.ToUnixTimeMilliseconds() / 1000.0, series[$"dgledger_backup_last_verified_timestamp_seconds{{{app}}}"]);
        Assert.Equal(second.Timestamp.ToUnixTimeMilliseconds() / 1000.0, series[$"dgledger_backup_last_success_timestamp_seconds{{{app}}}"]);
        Assert.Equal(second.SizeBytes!.Value, series[$"dgledger_backup_last_size_bytes{{{app}}}"]);
        Assert.Equal(second.DurationMs!.Value / 1000.0, series[$"dgledger_backup_last_duration_seconds{{{app}}}"]);
        Assert.True(second.Timestamp > first.Timestamp);
        // A database that never had a good backup has no timestamp (an alert on absence covers it), but its failures count.
        Assert.DoesNotContain(series.Keys, k => k.StartsWith("dgledger_backup_last_success_timestamp_seconds{" + gone, StringComparison.Ordinal));

        Assert.Equal(1, series["dgledger_agent_up{agent=\"embedded-agent\"}"]);
        Assert.Equal(1, series["dgledger_environment_agents_up{environment=\"obs\"}"]);
        Assert.InRange(series["dgledger_agent_heartbeat_age_seconds{agent=\"embedded-agent\"}"], 0, 60);

        // Labels are low-cardinality: no backup, gate or restore id appears anywhere in the exposition.
        var text = string.Join("\n", series.Keys);
        Assert.DoesNotContain(first.Id.ToString(), text);
        Assert.DoesNotContain(second.Id.ToString(), text);
    }

    [Fact]
    public async Task a_scrape_without_a_token_is_refused()
    {
        using var anonymous = fixture.Stack.Client();
        using var response = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<RestorePoint> TakeAsync(string env, string db, string kind, int expected)
    {
        var run = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", env, "--db", db, "--kind", kind,
            "--release", "r1", "--wait", "--timeout", "2m", "--json");
        Assert.True(run.ExitCode == expected, $"exit {run.ExitCode}: {run.Error}");
        return JsonSerializer.Deserialize<BackupDetail>(run.Out, Json)!.Backup;
    }

    /// <summary>Series (name and labels, as written) to value; checks every line is HELP, TYPE or a sample.</summary>
    public static Dictionary<string, double> Parse(string exposition)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            Assert.True(space > 0, $"not a sample line: {line}");
            series.Add(line[..space], double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
        }

        return series;
    }
}
