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

    private static string? Refusal(string database, string host = "app", string environment = "test") =>
        DropDrillTargetHandler.Refusal(
            new DropDrillTarget(Guid.NewGuid(), new RestoreTarget(environment, database, host, DatabaseRoles.NonPrimary, false), DateTimeOffset.UtcNow),
            Options, Ledger);

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
}
