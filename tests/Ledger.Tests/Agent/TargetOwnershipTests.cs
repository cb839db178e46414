using Ledger.Agent;
using Ledger.Agent.Restores;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Restores;

namespace Ledger.Tests.Agent;

public sealed class when_a_restore_chooses_the_owner_of_its_target
{
    [Fact]
    public void a_configured_role_wins_over_what_the_backup_recorded_and_the_targets_owner() =>
        Assert.Equal(("dg_app", TargetOwnership.Source.Configured), TargetOwnership.Choose("dg_app", "dg_src_owner", "dg_target_owner"));

    [Fact]
    public void without_one_the_source_owner_recorded_at_backup_time_then_the_targets_owner()
    {
        Assert.Equal(("dg_src_owner", TargetOwnership.Source.RecordedAtBackup), TargetOwnership.Choose(null, "dg_src_owner", "dg_target_owner"));
        Assert.Equal(("dg_target_owner", TargetOwnership.Source.TargetOwner), TargetOwnership.Choose(null, null, "dg_target_owner"));
        Assert.Null(TargetOwnership.Choose(null, null, null));
    }

    [Fact]
    public void a_recorded_owner_outside_the_identifier_grammar_is_not_used() =>
        Assert.Equal(("dg_target_owner", TargetOwnership.Source.TargetOwner), TargetOwnership.Choose(null, "app-owner; drop", "dg_target_owner"));

    private static readonly AgentOptions Options = new()
    {
        Id = "a1",
        Databases =
        [
            new() { Name = "dg", Environment = "prod", OwnerRole = "dg_prod_app", ConnectionString = "Host=db1;Database=dg;Username=dg" },
            new() { Name = "dg_test", Environment = "test", OwnerRole = "dg_test_app", ConnectionString = "Host=db1;Database=dg_test;Username=dg" },
        ],
    };

    private static RestoreBackup Request(string targetDatabase, bool managed) => new(Guid.NewGuid(),
        new RestoreArtifact(Guid.NewGuid(), "prod", "dg", "/r/x.dump", 1, "ab", DateTimeOffset.UnixEpoch, [], null),
        new RestoreTarget("test", targetDatabase, "dg_test", DatabaseRoles.NonPrimary, managed), DateTimeOffset.UnixEpoch);

    [Fact]
    public void a_managed_target_uses_its_own_setting_and_a_drill_target_its_source_databases() =>
        Assert.Equal(("dg_test_app", "dg_prod_app"),
            (TargetOwnership.ConfiguredFor(Options, Request("dg_test", managed: true)), TargetOwnership.ConfiguredFor(Options, Request("dg_drill", managed: false))));

    [Fact]
    public void an_owner_role_that_is_not_an_identifier_and_a_non_positive_lock_wait_are_configuration_problems()
    {
        var options = new AgentOptions
        {
            Id = "a1",
            Repository = "/r",
            TargetLockWait = TimeSpan.Zero,
            Databases = [new() { Name = "dg", Environment = "prod", OwnerRole = "app owner", ConnectionString = "Host=db1;Database=dg;Username=dg" }],
        };
        var problems = options.Problems().ToList();
        Assert.Contains(problems, p => p.Contains("OwnerRole 'app owner' is not a valid identifier", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Agent:TargetLockWait", StringComparison.Ordinal));
    }
}
