using Ledger.Agent.Doctor;
using Ledger.Api.Doctor;
using Ledger.Api.Notifications;
using Ledger.Contracts.Doctor;
using Ledger.Contracts.Notifications;
using Microsoft.Extensions.Configuration;

namespace Ledger.Tests.Observability;

public sealed class when_webhooks_are_configured
{
    private static NotificationOptions Read(Dictionary<string, string?> settings) =>
        NotificationOptions.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

    [Fact]
    public void a_webhook_wants_only_its_kinds_and_environments()
    {
        var hook = new WebhookOptions { Events = [NotificationKinds.BackupFailed], Environments = ["prod"] };
        Notification N(string kind, string env) => new(Guid.NewGuid(), kind, env, "app", "x", "s", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);

        Assert.True(hook.Wants(N(NotificationKinds.BackupFailed, "prod")));
        Assert.False(hook.Wants(N(NotificationKinds.BackupFailed, "test")));
        Assert.False(hook.Wants(N(NotificationKinds.GateDenied, "prod")));
        Assert.True(new WebhookOptions().Wants(N(NotificationKinds.AgentSilent, "any")));
    }

    [Fact]
    public void a_bad_configuration_is_refused_naming_keys_but_never_the_url_or_secret()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Read(new()
        {
            ["Notifications:Webhooks:0:Name"] = "ops",
            ["Notifications:Webhooks:0:Url"] = "ftp://hooks.example/T000/B000/secret-path",
            ["Notifications:Webhooks:0:Secret"] = "short",
            ["Notifications:Webhooks:0:Events:0"] = "backup-exploded",
        }));

        Assert.Contains("Notifications:Webhooks:0:Url", e.Message);
        Assert.Contains("Notifications:Webhooks:0:Secret must be at least 16", e.Message);
        Assert.Contains("'backup-exploded'", e.Message);
        Assert.DoesNotContain("secret-path", e.Message);
        Assert.DoesNotContain("short", e.Message.Replace("shorter", "", StringComparison.Ordinal));
    }

    [Fact]
    public void retries_default_to_five_delays_and_follow_configuration()
    {
        Assert.Equal(6, Read([]).MaxAttempts);
        var configured = Read(new() { ["Notifications:RetryDelays:0"] = "00:00:02", ["Notifications:RetryDelays:1"] = "00:01:00" });
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1)], configured.Delays);
        Assert.Equal(3, configured.MaxAttempts);
    }

    [Fact]
    public void the_slack_body_is_a_text_message_and_the_delivery_id_is_stable()
    {
        var n = new Notification(Guid.NewGuid(), NotificationKinds.BackupFailed, "prod", "app", "b", "Backup failed: disk full", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);

        var body = System.Text.Json.JsonDocument.Parse(WebhookBodies.For(WebhookFormats.Slack, n)).RootElement;
        Assert.Equal("*DgLedger: backup-failed* (prod/app)\nBackup failed: disk full", body.GetProperty("text").GetString());
        Assert.Equal(NotificationRaisedHandler.DeliveryId(n.Id, "ops"), NotificationRaisedHandler.DeliveryId(n.Id, "ops"));
        Assert.NotEqual(NotificationRaisedHandler.DeliveryId(n.Id, "ops"), NotificationRaisedHandler.DeliveryId(n.Id, "slack"));
    }
}

public sealed class when_the_doctor_compares_versions_and_clocks
{
    [Theory]
    [InlineData("pg_dump (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)", 15)]
    [InlineData("pg_restore (PostgreSQL) 17.2", 17)]
    [InlineData("pg_dump (PostgreSQL) 9.6.24", 96)]
    [InlineData("no digits here", null)]
    public void the_major_version_is_read_from_the_version_text(string text, int? major) => Assert.Equal(major, AgentDoctor.MajorOf(text));

    [Fact]
    public void an_older_pg_dump_than_the_server_fails_and_names_the_package()
    {
        var check = AgentDoctor.VersionCheck("prod/app", serverMajor: 16, dumpMajor: 15, restoreMajor: 15);
        Assert.Equal(DoctorVerdicts.Fail, check.Verdict);
        Assert.Contains("pg_dump 15 cannot dump a PostgreSQL 16 server", check.Detail);
        Assert.Contains("apt-get install postgresql-client-16", check.Fix);

        Assert.Equal(DoctorVerdicts.Ok, AgentDoctor.VersionCheck("prod/app", 15, 17, 17).Verdict);
        Assert.Equal(DoctorVerdicts.Fail, AgentDoctor.VersionCheck("prod/app", 15, 17, 16).Verdict);
    }

    [Fact]
    public void a_clock_far_from_the_ledgers_fails_and_a_small_offset_is_fine()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(20000);
        Assert.Equal(DoctorVerdicts.Ok, LedgerChecks.Clock("a", now.AddSeconds(-1), now).Verdict);
        Assert.Equal(DoctorVerdicts.Warn, LedgerChecks.Clock("a", now.AddSeconds(30), now).Verdict);
        var far = LedgerChecks.Clock("a", now.AddMinutes(-5), now);
        Assert.Equal(DoctorVerdicts.Fail, far.Verdict);
        Assert.Contains("NTP", far.Fix);
    }

    [Fact]
    public void a_silent_agent_fails_its_heartbeat_and_its_environment_has_no_live_agent()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(20000);
        var agents = new[]
        {
            new Ledger.Contracts.Agents.AgentStatus
            {
                Id = "a1", Environments = ["prod"], LastHeartbeat = now.AddMinutes(-10),
                Databases = [new Ledger.Contracts.Agents.ManagedDatabase("prod", "app", "primary", "not a cron")],
            },
        };

        var checks = LedgerChecks.For(agents, null, TimeSpan.FromMinutes(1), now);

        Assert.Equal(DoctorVerdicts.Fail, checks.Single(c => c.Name == "heartbeat").Verdict);
        Assert.Equal(DoctorVerdicts.Fail, checks.Single(c => c is { Scope: "prod", Name: "agents" }).Verdict);
        Assert.Equal(DoctorVerdicts.Fail, checks.Single(c => c is { Scope: "prod/app", Name: "schedule" }).Verdict);
        Assert.All(checks.Where(c => c.Verdict != DoctorVerdicts.Ok), c => Assert.False(string.IsNullOrWhiteSpace(c.Fix)));
        Assert.Equal(DoctorVerdicts.Fail, LedgerChecks.For(agents, "staging", TimeSpan.FromMinutes(1), now).Single().Verdict);
    }
}

public sealed class when_the_agent_doctor_runs_on_the_agents_host
{
    [Fact]
    public async Task a_configuration_without_databases_or_ledger_fails_naming_the_keys_and_exits_12()
    {
        var output = new StringWriter();

        var code = await Ledger.Agent.Doctor.DoctorCommandLine.RunAsync(
            ["doctor", "--Agent:Id=host-check", "--Agent:Repository=" + Path.GetTempPath(), "--json"], output);

        Assert.Equal(12, code);
        var report = System.Text.Json.JsonSerializer.Deserialize<DoctorReport>(output.ToString(), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        Assert.False(report.Healthy);
        Assert.Contains(report.Checks, c => c is { Name: "configuration", Verdict: DoctorVerdicts.Fail } && c.Detail.Contains("Agent:Databases is empty"));
        Assert.Contains(report.Checks, c => c is { Name: "ledger database", Verdict: DoctorVerdicts.Fail } && c.Detail.Contains("ConnectionStrings:Ledger"));
        Assert.Contains(report.Checks, c => c is { Name: "repository", Verdict: DoctorVerdicts.Ok });
        Assert.Contains(report.Checks, c => c.Name == "pg_dump");
    }
}
