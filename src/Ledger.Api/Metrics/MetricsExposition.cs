namespace Ledger.Api.Metrics;

/// <summary>
/// The series DgLedger exposes, built from one <see cref="MetricsSnapshot"/> (pure). Labels are environment, database,
/// trigger and outcome, plus the configured agent name for agent series; never a backup, restore, drill or gate id.
/// </summary>
public static class MetricsExposition
{
    public static IReadOnlyList<MetricFamily> Families(MetricsSnapshot s, DateTimeOffset now, TimeSpan agentTimeout)
    {
        static (string, string)[] Db(string environment, string database) => [("environment", environment), ("database", database)];

        MetricFamily Counter(string name, string metric, string help, bool trigger) => new(name, "counter", help,
            s.Counters.Where(c => c.Metric == metric)
                .Select(c => new Sample(trigger
                    ? [("environment", c.Environment), ("database", c.Database), ("trigger", c.Trigger), ("outcome", c.Outcome)]
                    : [("environment", c.Environment), ("database", c.Database), ("outcome", c.Outcome)], c.Value))
                .ToList());

        return
        [
            new("dgledger_backup_last_success_timestamp_seconds", "gauge",
                "Snapshot time (Unix seconds) of the newest backup that was taken (verified or awaiting verification).",
                s.Backups.Where(b => b.LastSuccessAt is not null).Select(b => new Sample(Db(b.Environment, b.Database), Unix(b.LastSuccessAt!.Value))).ToList()),
            new("dgledger_backup_last_verified_timestamp_seconds", "gauge",
                "Snapshot time (Unix seconds) of the newest verified backup: the newest restore point that can be restored.",
                s.Backups.Where(b => b.LastVerifiedAt is not null).Select(b => new Sample(Db(b.Environment, b.Database), Unix(b.LastVerifiedAt!.Value))).ToList()),
            new("dgledger_backup_last_duration_seconds", "gauge", "How long pg_dump took for the newest taken backup.",
                s.Backups.Where(b => b.LastDurationMs is not null).Select(b => new Sample(Db(b.Environment, b.Database), b.LastDurationMs!.Value / 1000.0)).ToList()),
            new("dgledger_backup_last_size_bytes", "gauge", "Size of the newest taken backup's artifact.",
                s.Backups.Where(b => b.LastSizeBytes is not null).Select(b => new Sample(Db(b.Environment, b.Database), b.LastSizeBytes!.Value)).ToList()),
            Counter("dgledger_backups_total", OutcomeCounters.Backups,
                "Backups that reached an outcome (verified, failed, verification_failed), by trigger.", trigger: true),
            new("dgledger_backups_missed_total", "counter", "Scheduled backups not taken by their deadline.",
                s.Counters.Where(c => c.Metric == OutcomeCounters.BackupsMissed)
                    .Select(c => new Sample(Db(c.Environment, c.Database), c.Value)).ToList()),
            Counter("dgledger_restores_total", OutcomeCounters.Restores,
                "Restores that ended (verified, verification_failed, failed, refused), by target environment and source database.", trigger: false),
            Counter("dgledger_drills_total", OutcomeCounters.Drills, "Restore drills that ended (passed, verification_failed, failed).", trigger: false),
            new("dgledger_drill_last_passed_timestamp_seconds", "gauge", "When (Unix seconds) the newest passed drill of the database finished.",
                s.Drills.Where(d => d.LastPassedAt is not null).Select(d => new Sample(Db(d.Environment, d.Database), Unix(d.LastPassedAt!.Value))).ToList()),
            new("dgledger_drill_last_rto_seconds", "gauge", "Recovery time (restore plus verification) achieved by the newest completed drill.",
                s.Drills.Where(d => d.LastRtoMs is not null).Select(d => new Sample(Db(d.Environment, d.Database), d.LastRtoMs!.Value / 1000.0)).ToList()),
            Counter("dgledger_gate_decisions_total", OutcomeCounters.GateDecisions, "Pre-upgrade gate decisions (open, denied, expired).", trigger: false),
            new("dgledger_agent_last_heartbeat_timestamp_seconds", "gauge", "When (Unix seconds) the ledger last heard from the agent.",
                s.Agents.Select(a => new Sample([("agent", a.Id)], Unix(a.LastHeartbeat))).ToList()),
            new("dgledger_agent_heartbeat_age_seconds", "gauge", "Seconds since the agent's last heartbeat, at scrape time.",
                s.Agents.Select(a => new Sample([("agent", a.Id)], Math.Max(0, (now - a.LastHeartbeat).TotalSeconds))).ToList()),
            new("dgledger_agent_up", "gauge", "1 when the agent sent a heartbeat within Ledger:AgentTimeout, else 0.",
                s.Agents.Select(a => new Sample([("agent", a.Id)], now - a.LastHeartbeat <= agentTimeout ? 1 : 0)).ToList()),
            new("dgledger_agent_clock_offset_seconds", "gauge", "The agent's clock minus the ledger's at its last heartbeat (queue delay included).",
                s.Agents.Where(a => a.ClockOffsetSeconds is not null).Select(a => new Sample([("agent", a.Id)], a.ClockOffsetSeconds!.Value)).ToList()),
            new("dgledger_environment_agents_up", "gauge", "Live agents serving the environment (0: nothing would run its backups or restores).",
                s.Agents.SelectMany(a => a.Environments.Select(e => (Environment: e, Up: now - a.LastHeartbeat <= agentTimeout)))
                    .GroupBy(x => x.Environment, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => new Sample([("environment", g.Key)], g.Count(x => x.Up))).ToList()),
        ];
    }

    private static double Unix(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 1000.0;
}
