using Ledger.Contracts.Common;

namespace Ledger.Tests.Common;

public sealed class CronRuleTests
{
    [Fact]
    public void five_fields_are_minute_precision_and_six_start_with_seconds()
    {
        Assert.Equal(("0 2 * * *", false), CronRule.Read("0 2 * * *", "x"));
        Assert.Equal(("30 0 2 * * *", true), CronRule.Read(" 30 0 2 * * * ", "x"));
    }

    [Fact]
    public void off_disables_and_blank_falls_back() =>
        Assert.Equal(((string?)null, false), CronRule.Read("off", "0 2 * * *"));

    [Fact]
    public void blank_reads_the_fallback() => Assert.Equal(("0 2 * * *", false), CronRule.Read("  ", "0 2 * * *"));

    [Theory]
    [InlineData("0 2 * *")]
    [InlineData("0 0 2 * * * 2026")]
    public void any_other_field_count_is_refused_naming_the_rule(string text)
    {
        var refused = Assert.Throws<FormatException>(() => CronRule.Read(text, "0 2 * * *"));
        Assert.Contains("5 (minute hour day month weekday) or 6", refused.Message, StringComparison.Ordinal);
    }
}

public sealed class DeterministicIdsTests
{
    [Fact]
    public void a_scheduled_occurrence_has_one_id_whatever_offset_it_is_written_with()
    {
        var at = new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero);
        Assert.Equal(DeterministicIds.ScheduledBackup("prod", "app", at), DeterministicIds.ScheduledBackup("prod", "app", at.ToOffset(TimeSpan.FromHours(5))));
    }

    [Fact]
    public void ids_are_version_8_and_differ_by_scope()
    {
        var gate = DeterministicIds.Gate("prod", "app", "v2");
        Assert.Equal(8, gate.Version);
        Assert.NotEqual(gate, DeterministicIds.For("scheduled", "prod", "app", "v2"));
    }
}

public sealed class DurationTextTests
{
    [Theory]
    [InlineData(1800, "30m")]
    [InlineData(7200, "2h")]
    [InlineData(90, "90s")]
    [InlineData(604800, "7d")]
    public void a_span_reads_back_as_the_option_it_came_from(int seconds, string text) =>
        Assert.Equal(text, DurationText.Span(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(45, "45s")]
    [InlineData(750, "12m")]
    [InlineData(3 * 86400, "3d")]
    [InlineData(-5, "0s")]
    public void an_age_is_its_largest_whole_unit(int seconds, string text) =>
        Assert.Equal(text, DurationText.Age(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(850, "850ms")]
    [InlineData(3200, "3.2s")]
    [InlineData(245000, "4m05s")]
    public void a_run_time_keeps_its_precision(long ms, string text) => Assert.Equal(text, DurationText.RunTime(ms));
}
