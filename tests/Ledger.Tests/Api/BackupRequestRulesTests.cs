using Ledger.Api.Backups;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;

namespace Ledger.Tests.Api;

public sealed class when_a_backup_request_is_checked_at_the_edge
{
    private static readonly AgentStatus[] Agents =
    [
        new() { Id = "a1", Databases = [new("staging", "app", DatabaseRoles.NonPrimary), new("prod", "app", DatabaseRoles.Primary)] },
    ];

    [Fact]
    public void a_request_for_a_served_database_passes() =>
        Assert.Empty(BackupRequestRules.Check(new RequestBackup("staging", "app", "manual", "v1.2.3"), Agents));

    [Fact]
    public void an_unknown_environment_names_the_known_ones()
    {
        var errors = BackupRequestRules.Check(new RequestBackup("qa", "app"), Agents);
        Assert.Contains("prod, staging", Assert.Single(errors["environment"]));
        Assert.False(errors.ContainsKey("database"));
    }

    [Theory]
    [InlineData("app\"; drop table x; --")]
    [InlineData("1app")]
    [InlineData("")]
    public void a_database_that_is_not_an_identifier_is_refused(string database) =>
        Assert.True(BackupRequestRules.Check(new RequestBackup("staging", database), Agents).ContainsKey("database"));

    [Fact]
    public void a_database_not_served_in_that_environment_is_refused() =>
        Assert.Contains("Known: app",
            Assert.Single(BackupRequestRules.Check(new RequestBackup("staging", "billing"), Agents)["database"]));

    [Theory]
    [InlineData("v1.2.3", true)]
    [InlineData("3f2a9c1e0b7d", true)]
    [InlineData("release/2026.11", true)]
    [InlineData("v1 2", false)]
    [InlineData("$(reboot)", false)]
    public void a_release_must_look_like_a_sha_or_tag(string release, bool ok) =>
        Assert.Equal(ok, !BackupRequestRules.Check(new RequestBackup("staging", "app", null, release), Agents).ContainsKey("release"));

    [Fact]
    public void a_pre_upgrade_backup_must_name_the_running_release() =>
        Assert.True(BackupRequestRules.Check(new RequestBackup("staging", "app", BackupTriggers.PreUpgrade), Agents).ContainsKey("release"));

    [Fact]
    public void an_unknown_trigger_is_refused() =>
        Assert.True(BackupRequestRules.Check(new RequestBackup("staging", "app", "hourly"), Agents).ContainsKey("trigger"));

    [Fact]
    public void a_missing_body_is_refused() => Assert.True(BackupRequestRules.Check(null, Agents).ContainsKey("body"));
}
