using Ledger.Api.Agents;
using Ledger.Api.Restores;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Restores;

namespace Ledger.Tests.Restores;

public sealed class when_a_restore_target_is_resolved
{
    private static readonly ManagedDatabase[] Announced =
    [
        new("prod", "app", DatabaseRoles.Primary),
        new("prod", "reporting", DatabaseRoles.NonPrimary),
        new("prod", "archive", DatabaseRoles.NonPrimary),
        new("staging", "app", DatabaseRoles.NonPrimary),
        new("dr", "app", DatabaseRoles.Primary),
    ];

    [Fact]
    public void a_managed_database_is_the_target_with_its_own_role() =>
        Assert.Equal(new RestoreTarget("prod", "app", "app", DatabaseRoles.Primary, true), RestoreTargets.Resolve("prod", "app", Announced));

    [Fact]
    public void a_new_database_goes_next_to_the_first_non_primary_of_the_environment() =>
        Assert.Equal(new RestoreTarget("prod", "drill_1", "archive", DatabaseRoles.NonPrimary, false),
            RestoreTargets.Resolve("prod", "drill_1", Announced));

    [Fact]
    public void a_new_database_in_an_environment_of_primaries_only_counts_as_primary() =>
        Assert.Equal(new RestoreTarget("dr", "copy", "app", DatabaseRoles.Primary, false), RestoreTargets.Resolve("dr", "copy", Announced));

    [Fact]
    public void an_environment_no_agent_serves_has_no_target() => Assert.Null(RestoreTargets.Resolve("qa", "app", Announced));

    [Fact]
    public void agents_that_disagree_about_a_role_make_it_primary() =>
        Assert.Equal(DatabaseRoles.Primary,
            RestoreTargets.Resolve("staging", "app", [.. Announced, new ManagedDatabase("staging", "app", DatabaseRoles.Primary)])!.Role);
}

public sealed class when_a_restore_request_meets_the_interlocks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly RestorePoint Verified = new()
    {
        Id = Guid.NewGuid(), Environment = "prod", Database = "app", Status = BackupStatus.Verified, SizeBytes = 1000, Timestamp = Now.AddHours(-1),
    };
    private static readonly RestoreTarget NonPrimary = new("staging", "app", "app", DatabaseRoles.NonPrimary, true);
    private static readonly RestoreTarget Primary = new("prod", "app", "app", DatabaseRoles.Primary, true);

    private static RequestRestore Request(string? confirm = "app", bool allowPrimary = false, bool plan = false) =>
        new(Verified.Id, "app", confirm, null, allowPrimary, plan);

    private static IReadOnlyList<RestoreRefusal> Refusals(RequestRestore request, RestorePoint? backup = null, RestoreTarget? target = null,
        bool isOperator = true, params RestoreView[] active) =>
        RestoreRules.Refusals(request, backup ?? Verified, target ?? NonPrimary, isOperator, active, Now);

    [Fact]
    public void a_verified_backup_into_a_confirmed_non_primary_passes_every_interlock() => Assert.Empty(Refusals(Request()));

    [Theory]
    [InlineData("App")]
    [InlineData("apps")]
    [InlineData(null)]
    public void the_confirmation_must_repeat_the_target_name_exactly(string? confirm)
    {
        var refusal = Assert.Single(Refusals(Request(confirm)));
        Assert.Equal((Interlocks.Confirmation, 400), (refusal.Interlock, refusal.Status));
        Assert.Contains("'app'", refusal.Reason);
    }

    [Fact]
    public void a_plan_needs_no_confirmation_but_a_wrong_one_is_still_named()
    {
        Assert.Empty(Refusals(Request(confirm: null, plan: true)));
        Assert.Equal(Interlocks.Confirmation, Assert.Single(Refusals(Request(confirm: "nope", plan: true))).Interlock);
    }

    [Theory]
    [InlineData(BackupStatus.Failed, "it failed: disk full")]
    [InlineData(BackupStatus.VerificationFailed, "it failed verification: disk full")]
    [InlineData(BackupStatus.Expired, "retention deleted its artifact")]
    [InlineData(BackupStatus.Missed, "no backup was taken")]
    [InlineData(BackupStatus.Taken, "not verified yet")]
    [InlineData(BackupStatus.Running, "not verified yet")]
    public void only_a_verified_backup_can_be_restored(BackupStatus status, string why)
    {
        var refusal = Assert.Single(Refusals(Request(), Verified with { Status = status, FailureReason = "disk full" }));
        Assert.Equal((Interlocks.BackupNotRestorable, 409), (refusal.Interlock, refusal.Status));
        Assert.Contains(why, refusal.Reason);
    }

    [Fact]
    public void a_primary_target_needs_allow_primary_then_the_operator_role()
    {
        Assert.Equal((Interlocks.PrimaryTarget, 400), Single(Refusals(Request(), target: Primary)));
        Assert.Equal((Interlocks.OperatorRole, 403), Single(Refusals(Request(allowPrimary: true), target: Primary, isOperator: false)));
        Assert.Empty(Refusals(Request(allowPrimary: true), target: Primary, isOperator: true));
        Assert.Empty(Refusals(Request(), target: NonPrimary, isOperator: false));
    }

    [Fact]
    public void a_restore_in_progress_on_the_target_refuses_another_until_it_is_stale()
    {
        var running = new RestoreView { Id = Guid.NewGuid(), Status = RestoreStatus.WritesBlocked, RequestedAt = Now.AddMinutes(-5), RequestedBy = "ops" };
        var refusal = Assert.Single(Refusals(Request(), active: running));
        Assert.Equal((Interlocks.RestoreInProgress, 409), (refusal.Interlock, refusal.Status));
        Assert.Contains(running.Id.ToString(), refusal.Reason);

        var abandoned = running with { RequestedAt = Now - RestoreRules.StaleAfter - TimeSpan.FromMinutes(1) };
        Assert.Empty(Refusals(Request(), active: abandoned));
    }

    [Fact]
    public void a_restore_no_agent_picked_up_holds_the_target_only_until_agents_would_refuse_it()
    {
        var queued = new RestoreView { Id = Guid.NewGuid(), Status = RestoreStatus.Requested, RequestedAt = Now.AddMinutes(-59) };
        Assert.Single(Refusals(Request(), active: queued));
        Assert.Empty(Refusals(Request(), active: queued with { RequestedAt = Now - RestoreTimings.MaxQueueAge - TimeSpan.FromSeconds(1) }));
    }

    [Fact]
    public void every_refusal_is_listed_in_the_order_they_are_checked()
    {
        var failed = Verified with { Status = BackupStatus.Failed };
        var running = new RestoreView { Id = Guid.NewGuid(), Status = RestoreStatus.Requested, RequestedAt = Now };
        Assert.Equal(
            [Interlocks.Confirmation, Interlocks.BackupNotRestorable, Interlocks.PrimaryTarget, Interlocks.RestoreInProgress],
            Refusals(Request("x"), failed, Primary, true, running).Select(r => r.Interlock));
    }

    [Theory]
    [InlineData("template1", "targetDatabase")]
    [InlineData("postgres", "targetDatabase")]
    [InlineData("drop table x;", "targetDatabase")]
    [InlineData("", "targetDatabase")]
    public void a_target_that_is_not_a_plain_user_database_is_rejected_at_the_edge(string target, string field) =>
        Assert.Contains(field, RestoreRules.Check(new RequestRestore(Guid.NewGuid(), target, target)).Keys);

    [Fact]
    public void edge_validation_names_each_bad_field() =>
        Assert.Equal(["backupId", "environment"],
            RestoreRules.Check(new RequestRestore(Guid.Empty, "app", "app", "Prod!")).Keys.Order());

    private static (string, int) Single(IReadOnlyList<RestoreRefusal> refusals)
    {
        var refusal = Assert.Single(refusals);
        return (refusal.Interlock, refusal.Status);
    }
}

public sealed class when_the_duration_of_a_restore_is_estimated
{
    [Fact]
    public void without_past_restores_there_is_no_estimate()
    {
        var estimate = RestoreEstimates.Expected(1000, []);
        Assert.Null(estimate.ExpectedDurationMs);
        Assert.Equal(0, estimate.Samples);
    }

    [Fact]
    public void past_restores_of_similar_size_give_the_median_throughput_times_the_size()
    {
        // 1 ms per 100 bytes, 2 ms per 100 bytes, 3 ms per 100 bytes: median 2 ms per 100 bytes. The 10x larger one is not similar.
        var estimate = RestoreEstimates.Expected(1000, [new(800, 8), new(1500, 30), new(600, 18), new(10_000, 1)]);
        Assert.Equal(20, estimate.ExpectedDurationMs);
        Assert.Equal(3, estimate.Samples);
        Assert.Contains("similar size", estimate.Basis);
    }

    [Fact]
    public void with_none_of_similar_size_every_past_restore_gives_a_rough_estimate()
    {
        var estimate = RestoreEstimates.Expected(1_000_000, [new(1000, 10)]);
        Assert.Equal(10_000, estimate.ExpectedDurationMs);
        Assert.StartsWith("rough", estimate.Basis);
    }
}

public sealed class when_no_agent_serving_the_target_is_alive
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly RestorePoint Verified = new()
    {
        Id = Guid.NewGuid(), Environment = "prod", Database = "app", Status = BackupStatus.Verified, SizeBytes = 1000, Timestamp = Now.AddHours(-1),
    };
    private static readonly RestoreTarget Target = new("staging", "app", "app", DatabaseRoles.NonPrimary, true);

    [Fact]
    public void the_restore_is_refused_first_with_503_and_the_last_heartbeat()
    {
        var refusals = RestoreRules.Refusals(new RequestRestore(Verified.Id, "app", "nope"), Verified, Target, true, [], Now,
            new AgentLiveness(false, Now.AddMinutes(-10), TimeSpan.FromSeconds(60)));

        Assert.Equal([Interlocks.AgentUnavailable, Interlocks.Confirmation], refusals.Select(r => r.Interlock));
        Assert.Equal(503, refusals[0].Status);
        Assert.Contains("staging", refusals[0].Reason);
        Assert.Contains("11:50:00", refusals[0].Reason);
    }

    [Fact]
    public void a_live_agent_adds_no_refusal() =>
        Assert.Empty(RestoreRules.Refusals(new RequestRestore(Verified.Id, "app", "app"), Verified, Target, true, [], Now,
            new AgentLiveness(true, Now.AddSeconds(-5), TimeSpan.FromSeconds(60))));
}
