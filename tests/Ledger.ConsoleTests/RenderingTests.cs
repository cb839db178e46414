using System.Text.RegularExpressions;
using Ledger.Api.OperatorConsole;
using Ledger.Api.OperatorConsole.Pages;

namespace Ledger.ConsoleTests;

/// <summary>The console's pure pieces, without a host: charts, where a sign-in may return to, colours of statuses.</summary>
public sealed partial class when_the_console_renders
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void a_chart_draws_each_point_as_a_linked_circle_whose_tooltip_is_encoded()
    {
        var points = Enumerable.Range(0, 3).Select(i => new Mark(T0.AddDays(i), 10 + i, $"<b>{i}</b>", $"/ui/backups/{i}", "ok")).ToList();
        var svg = Svg.Chart("size", "MiB", [new Series("size", "size", points)]).ToString()!;

        Assert.Equal(3, CircleOf().Matches(svg).Count);
        Assert.Equal(3, Regex.Matches(svg, "<a href=\"/ui/backups/\\d\"><circle").Count);
        Assert.Contains("&lt;b&gt;1&lt;/b&gt;", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", svg, StringComparison.Ordinal);
        Assert.Contains("data-points=\"3\"", svg, StringComparison.Ordinal);
        Assert.Contains("<polyline", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void a_chart_without_data_says_so()
    {
        var svg = Svg.Chart("size", "MiB", [new Series("size", "size", [])]).ToString()!;
        Assert.Contains("no data yet", svg, StringComparison.Ordinal);
        Assert.Empty(CircleOf().Matches(svg));
    }

    [Fact]
    public void a_target_within_reach_of_the_points_is_drawn_and_one_far_above_them_is_only_named()
    {
        var points = new Series("rto", "drill", [new Mark(T0, 3000, "drill", null), new Mark(T0.AddDays(1), 4000, "drill", null)]);
        var near = Svg.Chart("rto", "s", [points], 3600, "target 3600 s").ToString()!;
        Assert.Contains("class=\"target\"", near, StringComparison.Ordinal);

        var small = new Series("rto", "drill", [new Mark(T0, 4, "drill", null)]);
        var far = Svg.Chart("rto", "s", [small], 3600, "target 3600 s").ToString()!;
        Assert.DoesNotContain("class=\"target\"", far, StringComparison.Ordinal);
        Assert.Contains("target 3600 s: far above every point", far, StringComparison.Ordinal);
    }

    [Fact]
    public void a_timeline_puts_every_mark_of_every_lane_on_the_axis()
    {
        var lanes = new[]
        {
            new Lane("scheduled", [new Mark(T0, 0, "a", "/ui/backups/a"), new Mark(T0.AddHours(5), 0, "b", "/ui/backups/b")]),
            new Lane("drills", [new Mark(T0.AddHours(2), 0, "c", "/ui/drills/c", "bad")]),
        };
        var svg = Svg.Timeline(lanes, T0, T0.AddHours(5)).ToString()!;
        Assert.Equal(3, CircleOf().Matches(svg).Count);
        Assert.Contains("class=\"point bad\"", svg, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/ui/backups/1a2b", "/ui/backups/1a2b")]
    [InlineData("/ui/compliance?since=30d", "/ui/compliance?since=30d")]
    [InlineData("https://elsewhere.example/ui", "/ui")]
    [InlineData("//elsewhere.example/ui", "/ui")]
    [InlineData("/ui\\..\\evil", "/ui")]
    [InlineData("/api/v1/backups", "/ui")]
    [InlineData(null, "/ui")]
    public void a_sign_in_returns_only_to_a_console_page(string? returnUrl, string expected) =>
        Assert.Equal(expected, SignInModel.SafeReturn(returnUrl));

    [Theory]
    [InlineData("verified", "ok")]
    [InlineData("verification-failed", "bad")]
    [InlineData("VerificationFailed", "bad")]
    [InlineData("pending", "warn")]
    [InlineData("skipped", "idle")]
    public void a_status_is_coloured_whether_written_as_on_the_wire_or_as_an_enum(string status, string tone) =>
        Assert.Equal(tone, Display.Tone(status));

    [GeneratedRegex("<circle class=\"point")]
    private static partial Regex CircleOf();
}
