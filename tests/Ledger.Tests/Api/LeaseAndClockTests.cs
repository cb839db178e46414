using Ledger.Api.Agents;
using Ledger.Api.Backups;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;

namespace Ledger.Tests.Api;

public sealed class when_the_ledger_checks_operation_leases
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly OperationLease Lease = new(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30));

    private static AgentStatus Agent(string id, TimeSpan silentFor) =>
        new() { Id = id, Environments = ["prod"], LastHeartbeat = Now - silentFor };

    [Fact]
    public void a_started_operation_is_abandoned_only_when_its_own_agent_is_silent_past_the_lease()
    {
        Assert.Null(Lease.Abandoned("a1", "prod", Now.AddHours(-1), [Agent("a1", TimeSpan.FromMinutes(4))], Now));
        var reason = Lease.Abandoned("a1", "prod", Now.AddHours(-1), [Agent("a1", TimeSpan.FromMinutes(6)), Agent("a2", TimeSpan.Zero)], Now);
        Assert.StartsWith("abandoned: agent 'a1' has sent no heartbeat since 2026-12-01 11:54:00Z", reason);
        Assert.Contains("(5m)", reason);
        Assert.StartsWith("abandoned: agent 'gone' has sent no heartbeat at all", Lease.Abandoned("gone", "prod", Now, [], Now));
    }

    [Fact]
    public void a_request_no_agent_took_is_abandoned_when_its_environment_has_no_live_agent_and_it_waited_past_the_limits()
    {
        Assert.Null(Lease.Abandoned(null, "prod", Now.AddMinutes(-4), [], Now));
        Assert.Null(Lease.Abandoned(null, "prod", Now.AddMinutes(-10), [Agent("a1", TimeSpan.FromMinutes(1))], Now));
        Assert.StartsWith("abandoned: no agent serving 'prod'", Lease.Abandoned(null, "prod", Now.AddMinutes(-10), [Agent("a1", TimeSpan.FromMinutes(9))], Now));
        // A restore request is run by an agent up to an hour late: only after that is it over.
        Assert.Null(Lease.Abandoned(null, "prod", Now.AddMinutes(-30), [], Now, TimeSpan.FromHours(1)));
        Assert.NotNull(Lease.Abandoned(null, "prod", Now.AddMinutes(-61), [], Now, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void an_abandonment_goes_through_the_state_guarded_report_handlers()
    {
        var id = Guid.NewGuid();
        var running = Backup.Create(new BackupRequested(id, "prod", "app", "manual", null, "op", Now)).Apply(new BackupStarted(id, "a1", Now));
        Assert.Single(BackupReportsHandler.Handle(new BackupFailed(id, OperationLease.Reporter, "abandoned: x", null, Now), running).Item1);
        var failed = running.Apply(new BackupFailed(id, OperationLease.Reporter, "abandoned: x", null, Now));
        // The agent's own report, arriving after its restart, appends nothing.
        Assert.Empty(BackupReportsHandler.Handle(new BackupFailed(id, "a1", "interrupted: the agent restarted during pg_dump", null, Now), failed).Item1);
    }
}

public sealed class when_agent_and_ledger_clocks_differ
{
    private static readonly DateTimeOffset Received = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void an_agent_running_ahead_cannot_make_a_backup_look_fresher()
    {
        // The agent's clock is 2 h ahead: it says the 10-minute dump started at 13:50 (ledger time: 11:50).
        var snapshot = ClockSkew.SnapshotOnLedgerClock(Received.AddHours(2).AddMinutes(-10), Received.AddHours(2), Received);
        Assert.Equal(Received.AddMinutes(-10), snapshot);
    }

    [Fact]
    public void an_agent_on_time_or_behind_keeps_its_own_start_time()
    {
        Assert.Equal(Received.AddMinutes(-11), ClockSkew.SnapshotOnLedgerClock(Received.AddMinutes(-11), Received.AddMinutes(-1), Received));
        Assert.Equal(Received.AddHours(-3), ClockSkew.SnapshotOnLedgerClock(Received.AddHours(-3), Received.AddHours(-3).AddMinutes(10), Received));
        Assert.Equal(-1.5, ClockSkew.OffsetSeconds(Received.AddSeconds(-1.5), Received));
    }

    [Fact]
    public void the_restore_point_and_the_gate_use_the_ledger_clock_snapshot()
    {
        var id = Guid.NewGuid();
        var taken = new BackupTaken(id, "prod", "app", "manual", null, "a1", Received.AddHours(2), Received.AddHours(2).AddMinutes(1), 60_000,
            "/r/x.dump", 1, "ab", "pg_dump", "15", [], []);
        var appended = Assert.IsType<BackupTaken>(Assert.Single(BackupReportsHandler.Handle(taken,
            Backup.Create(new BackupRequested(id, "prod", "app", "manual", null, "op", Received)), Received)));
        Assert.Equal(Received.AddMinutes(-1), appended.SnapshotAt);
        Assert.Equal(Received.AddHours(2), appended.StartedAt); // the agent's own fact is kept as it said it
    }
}
