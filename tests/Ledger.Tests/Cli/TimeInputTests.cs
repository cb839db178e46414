using Ledger.Cli.Common;

namespace Ledger.Tests.Cli;

public class when_parsing_a_duration
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 30 * 60)]
    [InlineData("12h", 12 * 3600)]
    [InlineData("7d", 7 * 86400)]
    [InlineData("2w", 14 * 86400)]
    [InlineData("7D", 7 * 86400)]
    [InlineData(" 30m ", 30 * 60)]
    public void it_reads_one_number_and_one_unit(string text, int expectedSeconds)
    {
        Assert.True(TimeInput.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), duration);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("d")]
    [InlineData("0m")]
    [InlineData("-5m")]
    [InlineData("1.5h")]
    [InlineData("1h30m")]
    [InlineData("7 days")]
    [InlineData("3y")]
    public void it_rejects_anything_else(string? text)
    {
        Assert.False(TimeInput.TryParseDuration(text, out _));
    }

    [Fact]
    public void a_bad_option_value_is_a_usage_error_that_names_the_option_and_the_forms()
    {
        var error = Assert.Throws<UsageException>(() => TimeInput.ParseDurationOption("--timeout", "soon"));

        Assert.Contains("--timeout 'soon'", error.Message, StringComparison.Ordinal);
        Assert.Contains("30m", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(90, "90s")]
    [InlineData(30 * 60, "30m")]
    [InlineData(2 * 3600, "2h")]
    [InlineData(7 * 86400, "7d")]
    [InlineData(90 * 60, "90m")]
    public void it_formats_a_duration_back_in_the_same_units(int seconds, string expected)
    {
        Assert.Equal(expected, TimeInput.FormatDuration(TimeSpan.FromSeconds(seconds)));
    }
}

public class when_parsing_a_point_in_time
{
    private static readonly DateTimeOffset Now = new(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("30m", "2025-03-10T11:30:00Z")]
    [InlineData("12h", "2025-03-10T00:00:00Z")]
    [InlineData("7d", "2025-03-03T12:00:00Z")]
    [InlineData("2w", "2025-02-24T12:00:00Z")]
    public void a_duration_counts_back_from_now(string text, string expected)
    {
        Assert.True(TimeInput.TryParsePointInTime(text, Now, out var at));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), at);
    }

    [Theory]
    [InlineData("2025-01-31", "2025-01-31T00:00:00Z")]
    [InlineData("2025-01-31T08:15:00", "2025-01-31T08:15:00Z")]
    [InlineData("2025-01-31T08:15:00Z", "2025-01-31T08:15:00Z")]
    [InlineData("2025-01-31T08:15:00+02:00", "2025-01-31T06:15:00Z")]
    public void an_iso_date_is_taken_as_utc_unless_it_carries_an_offset(string text, string expected)
    {
        Assert.True(TimeInput.TryParsePointInTime(text, Now, out var at));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).UtcTicks, at.UtcTicks);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("31/01/2025")]
    [InlineData("01/31/2025")]
    [InlineData("2025-13-01")]
    [InlineData("")]
    public void it_rejects_other_forms(string text)
    {
        Assert.False(TimeInput.TryParsePointInTime(text, Now, out _));
    }

    [Fact]
    public void a_bad_option_value_is_a_usage_error_that_names_the_option()
    {
        var error = Assert.Throws<UsageException>(() => TimeInput.ParsePointInTimeOption("--since", "yesterday", Now));

        Assert.Contains("--since 'yesterday'", error.Message, StringComparison.Ordinal);
        Assert.Contains("ISO date", error.Message, StringComparison.Ordinal);
    }
}
