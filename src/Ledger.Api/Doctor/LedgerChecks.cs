using Ledger.Api.Schedules;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Doctor;

namespace Ledger.Api.Doctor;

/// <summary>The ledger's side of the doctor (pure): agents' heartbeats, live agents per environment, announced schedules, clock offsets.</summary>
public static class LedgerChecks
{
    public static readonly TimeSpan ClockWarn = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan ClockFail = TimeSpan.FromSeconds(60);

    public static IReadOnlyList<DoctorCheck> For(IReadOnlyList<AgentStatus> agents, string? environment, TimeSpan agentTimeout, DateTimeOffset now)
    {
        var checks = new List<DoctorCheck>();
        var relevant = agents.Where(a => environment is null || a.Environments.Contains(environment)).OrderBy(a => a.Id, StringComparer.Ordinal).ToList();
        if (environment is not null && relevant.Count == 0)
        {
            checks.Add(DoctorCheck.Fail("ledger", "environment", $"no agent has announced environment '{environment}'",
                $"Start an agent with a database in environment '{environment}' (Agent:Databases:N:Environment), or check the name."));
        }

        foreach (var agent in relevant)
        {
            var age = now - agent.LastHeartbeat;
            checks.Add(age <= agentTimeout
                ? DoctorCheck.Ok($"agent {agent.Id}", "heartbeat", $"last heartbeat {Seconds(age)} ago (timeout {Seconds(agentTimeout)})")
                : DoctorCheck.Fail($"agent {agent.Id}", "heartbeat", $"silent for {Seconds(age)} (timeout {Seconds(agentTimeout)})",
                    "Start the agent, or check that it reaches the ledger's database (its ConnectionStrings:Ledger)."));
        }

        foreach (var env in relevant.SelectMany(a => a.Environments).Where(e => environment is null || e == environment).Distinct().Order(StringComparer.Ordinal))
        {
            var live = relevant.Count(a => a.Environments.Contains(env) && now - a.LastHeartbeat <= agentTimeout);
            checks.Add(live > 0
                ? DoctorCheck.Ok(env, "agents", $"{live} live agent(s) serve it")
                : DoctorCheck.Fail(env, "agents", "no live agent serves it: its backups, restores and drills will not run",
                    $"Start an agent that serves '{env}'."));
        }

        foreach (var db in relevant.SelectMany(a => a.Databases).Where(d => environment is null || d.Environment == environment)
                     .DistinctBy(d => (d.Environment, d.Name)).OrderBy(d => d.Environment, StringComparer.Ordinal).ThenBy(d => d.Name, StringComparer.Ordinal))
        {
            checks.Add(Schedule(db));
        }

        return checks;
    }

    public static DoctorCheck Schedule(ManagedDatabase db)
    {
        var scope = $"{db.Environment}/{db.Name}";
        try
        {
            var cron = ScheduleRules.Parse(db.Schedule);
            ScheduleRules.Zone(db.TimeZone);
            return cron is null
                ? DoctorCheck.Warn(scope, "schedule", "scheduled backups are off", "Set Agent:Databases:N:Schedule to a cron expression unless another tool backs this database up.")
                : DoctorCheck.Ok(scope, "schedule", $"'{db.Schedule ?? ManagedDatabase.DefaultSchedule}' in {db.TimeZone ?? "UTC"}");
        }
        catch (Exception e) when (e is Cronos.CronFormatException or FormatException or TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return DoctorCheck.Fail(scope, "schedule", $"'{db.Schedule}' / '{db.TimeZone}' is not valid: {e.Message}",
                "Fix Agent:Databases:N:Schedule (5- or 6-field cron, or 'off') and TimeZone (an IANA name).");
        }
    }

    /// <summary>The agent's clock against the ledger's, measured when its report arrived (the queue's delay counts against it).</summary>
    public static DoctorCheck Clock(string agentId, DateTimeOffset agentClock, DateTimeOffset receivedAt)
    {
        var offset = agentClock - receivedAt;
        var detail = $"agent clock minus ledger clock: {offset.TotalSeconds:+0.0;-0.0;0} s (includes the queue's delay)";
        var fix = "Run NTP (chrony or systemd-timesyncd) on the agent's and the ledger's hosts.";
        return offset.Duration() > ClockFail ? DoctorCheck.Fail($"agent {agentId}", "clock", detail, fix)
            : offset.Duration() > ClockWarn ? DoctorCheck.Warn($"agent {agentId}", "clock", detail, fix)
            : DoctorCheck.Ok($"agent {agentId}", "clock", detail);
    }

    private static string Seconds(TimeSpan t) => $"{Math.Round(t.TotalSeconds):0} s";
}
