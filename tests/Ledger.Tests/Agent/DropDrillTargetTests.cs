using Ledger.Agent;
using Ledger.Agent.Drills;
using Ledger.Agent.Restores;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;

namespace Ledger.Tests.Agent;

public sealed class when_an_agent_is_asked_to_drop_a_drill_target
{
    private static readonly AgentOptions Options = new()
    {
        Id = "a1",
        Databases =
        [
            new() { Name = "app", Environment = "test", ConnectionString = "Host=db1;Port=5432;Database=app;Username=dg" },
            new() { Name = "reports", Environment = "test", ConnectionString = "Host=db1;Port=5432;Database=reporting;Username=dg" },
            new() { Name = "other", Environment = "test", ConnectionString = "Host=db2;Port=5432;Database=app_drill;Username=dg" },
        ],
    };

    private static readonly LedgerDatabase Ledger = new("Host=db1;Port=5432;Database=dgledger;Username=ledger");

    // No server answers in a unit test: the guards compare hosts as written (db1, db2).
    private static readonly TargetGuards Guards = new(Options, Ledger, new ServerIdentity((_, _) => Task.FromResult<string?>(null)));

    private static string? Refusal(string database, string host = "app", string environment = "test") =>
        DropDrillTargetHandler.RefusalAsync(
            new DropDrillTarget(Guid.NewGuid(), new RestoreTarget(environment, database, host, DatabaseRoles.NonPrimary, false), DateTimeOffset.UtcNow),
            Options, Guards, CancellationToken.None).GetAwaiter().GetResult();

    [Fact]
    public void a_scratch_database_next_to_a_managed_one_may_be_dropped() => Assert.Null(Refusal("app_drill"));

    [Fact]
    public void a_database_it_manages_on_the_same_server_is_never_dropped_whatever_its_label() =>
        Assert.Contains("test/reports, a database this agent manages", Refusal("reporting"));

    [Fact]
    public void the_maintenance_and_ledger_databases_are_never_dropped()
    {
        Assert.Contains("maintenance database", Refusal("postgres"));
        Assert.Contains("ledger's own database", Refusal("dgledger"));
    }

    [Fact]
    public void a_server_the_agent_does_not_manage_is_refused() =>
        Assert.Contains("does not manage", Refusal("app_drill", host: "nowhere"));

    [Fact]
    public void a_template_database_is_never_dropped() => Assert.Contains("template database", Refusal("template1"));
}

public sealed class when_an_agent_is_asked_to_overwrite_a_target
{
    private static readonly AgentOptions Options = new()
    {
        Id = "a1",
        Databases =
        [
            new() { Name = "app", Environment = "staging", Role = DatabaseRoles.NonPrimary, ConnectionString = "Host=db1;Port=5432;Database=app_staging;Username=dg" },
            new() { Name = "decisiongraph", Environment = "prod", Role = DatabaseRoles.Primary, ConnectionString = "Host=db1;Port=5432;Database=app_prod;Username=dg" },
        ],
    };

    private static readonly TargetGuards Guards = new(Options, new LedgerDatabase("Host=db9;Database=dgledger"),
        new ServerIdentity((cs, _) => Task.FromResult<string?>(cs.Contains("db1", StringComparison.Ordinal) ? "7301" : null)));

    private static string? Refusal(RestoreTarget target) =>
        Guards.RefusalAsync(Options.Find("staging", "app")!, target, TargetGuards.Use.Overwrite, CancellationToken.None).GetAwaiter().GetResult();

    [Fact]
    public void another_environments_primary_on_the_same_server_is_refused_whatever_the_ledger_decided() =>
        Assert.Contains("prod/decisiongraph (primary), a database of another environment",
            Refusal(new RestoreTarget("staging", "app_prod", "app", DatabaseRoles.NonPrimary, Managed: false)));

    [Fact]
    public void its_own_environments_database_may_be_overwritten() =>
        Assert.Null(Refusal(new RestoreTarget("staging", "app_staging", "app", DatabaseRoles.NonPrimary, Managed: true)));

    [Fact]
    public void a_new_scratch_database_may_be_created_and_restored() =>
        Assert.Null(Refusal(new RestoreTarget("staging", "app_copy", "app", DatabaseRoles.NonPrimary, Managed: false)));

    [Fact]
    public void template1_is_refused() =>
        Assert.Contains("template database", Refusal(new RestoreTarget("staging", "template1", "app", DatabaseRoles.NonPrimary, Managed: false)));
}
