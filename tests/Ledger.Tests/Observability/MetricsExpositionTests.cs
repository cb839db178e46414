using System.Text.RegularExpressions;
using Ledger.Api.Metrics;

namespace Ledger.Tests.Observability;

public sealed partial class when_metrics_are_written_in_the_prometheus_text_format
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void each_family_has_help_and_type_and_label_values_are_escaped()
    {
        var text = PrometheusText.Write(
        [
            new MetricFamily("dgledger_x_total", "counter", "Line one\nline two", [new Sample([("environment", "a\"b\\c\nd")], 3)]),
            new MetricFamily("dgledger_empty", "gauge", "Nothing yet.", []),
        ]);

        Assert.Equal(
            "# HELP dgledger_x_total Line one\\nline two\n# TYPE dgledger_x_total counter\n"
            + "dgledger_x_total{environment=\"a\\\"b\\\\c\\nd\"} 3\n"
            + "# HELP dgledger_empty Nothing yet.\n# TYPE dgledger_empty gauge\n", text);
    }

    [Fact]
    public void values_are_invariant_and_timestamps_are_unix_seconds()
    {
        var snapshot = new MetricsSnapshot(
            [new CounterRow(OutcomeCounters.Backups, "prod", "app", "scheduled", "verified", 1234)],
            [new BackupRow("prod", "app", Now.AddHours(-1), 41_500, 5_000_000_000, Now.AddHours(-1))],
            [new DrillRow("prod", "app", Now.AddDays(-3), 90_250)],
            [new AgentRow("agent-1", Now.AddSeconds(-20), ["prod"]), new AgentRow("agent-2", Now.AddMinutes(-5), ["prod", "test"])]);

        var text = PrometheusText.Write(MetricsExposition.Families(snapshot, Now, TimeSpan.FromMinutes(1)));

        Assert.Contains("dgledger_backups_total{environment=\"prod\",database=\"app\",trigger=\"scheduled\",outcome=\"verified\"} 1234\n", text);
        Assert.Contains($"dgledger_backup_last_success_timestamp_seconds{{environment=\"prod\",database=\"app\"}} {Now.AddHours(-1).ToUnixTimeSeconds()}\n", text);
        Assert.Contains("dgledger_backup_last_duration_seconds{environment=\"prod\",database=\"app\"} 41.5\n", text);
        Assert.Contains("dgledger_backup_last_size_bytes{environment=\"prod\",database=\"app\"} 5000000000\n", text);
        Assert.Contains("dgledger_drill_last_rto_seconds{environment=\"prod\",database=\"app\"} 90.25\n", text);
        Assert.Contains("dgledger_agent_heartbeat_age_seconds{agent=\"agent-2\"} 300\n", text);
        Assert.Contains("dgledger_agent_up{agent=\"agent-1\"} 1\n", text);
        Assert.Contains("dgledger_agent_up{agent=\"agent-2\"} 0\n", text);
        Assert.Contains("dgledger_environment_agents_up{environment=\"prod\"} 1\n", text);
        Assert.Contains("dgledger_environment_agents_up{environment=\"test\"} 0\n", text);
    }

    [Fact]
    public void names_follow_prometheus_conventions()
    {
        var families = MetricsExposition.Families(new MetricsSnapshot([], [], [], []), Now, TimeSpan.FromMinutes(1));

        Assert.All(families, f =>
        {
            Assert.Matches("^dgledger_[a-z_]+$", f.Name);
            Assert.True(f.Type == "counter" ? f.Name.EndsWith("_total", StringComparison.Ordinal) : !f.Name.EndsWith("_total", StringComparison.Ordinal), f.Name);
            Assert.False(f.Name.Contains("_ms", StringComparison.Ordinal) || f.Name.Contains("milli", StringComparison.Ordinal), f.Name);
        });
        Assert.Equal(families.Count, families.Select(f => f.Name).Distinct().Count());
    }

    /// <summary>The shipped alert rules only use series this ledger exposes, and each rule is complete.</summary>
    [Fact]
    public void the_example_alert_rules_refer_only_to_exposed_series()
    {
        var file = Path.Combine(RepositoryRoot(), "deploy", "prometheus", "dgledger-alerts.yml");
        var yaml = File.ReadAllLines(file);
        var names = MetricsExposition.Families(new MetricsSnapshot([], [], [], []), Now, TimeSpan.FromMinutes(1)).Select(f => f.Name).ToHashSet();
        var alerts = yaml.Where(l => l.TrimStart().StartsWith("- alert:", StringComparison.Ordinal)).ToList();
        var expressions = yaml.Where(l => l.TrimStart().StartsWith("expr:", StringComparison.Ordinal)).Select(l => l.Split("expr:", 2)[1].Trim()).ToList();

        Assert.True(alerts.Count >= 4);
        Assert.Equal(alerts.Count, expressions.Count);
        Assert.Equal(alerts.Count, yaml.Count(l => l.TrimStart().StartsWith("summary:", StringComparison.Ordinal)));
        foreach (var name in new[] { "DgLedgerBackupTooOld", "DgLedgerDrillOverdue", "DgLedgerBackupVerificationFailed", "DgLedgerAgentSilent" })
        {
            Assert.Contains(alerts, a => a.Contains(name, StringComparison.Ordinal));
        }

        foreach (var expr in expressions)
        {
            Assert.Equal(expr.Count(c => c == '('), expr.Count(c => c == ')'));
            Assert.Equal(expr.Count(c => c == '{'), expr.Count(c => c == '}'));
            foreach (Match m in SeriesName().Matches(expr))
            {
                Assert.True(names.Contains(m.Value), $"{m.Value} in '{expr}' is not exposed");
            }

            foreach (Match m in Matcher().Matches(expr))
            {
                Assert.Contains(m.Groups[1].Value, new[] { "environment", "database", "trigger", "outcome", "agent", "job" });
            }
        }
    }

    [GeneratedRegex(@"dgledger_[a-z_]+")]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"([a-z_]+)\s*(?:=~|!=|=)\s*""")]
    private static partial Regex Matcher();

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DgLedger.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("DgLedger.sln not found above the test binaries.");
    }
}
