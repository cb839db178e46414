using System.Text.Json;
using Ledger.Cli.Agents;
using Ledger.Cli.Backups;
using Ledger.Cli.Common;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;

namespace Ledger.Tests.Cli;

public class when_rendering_a_table
{
    private static string[] Lines(TextTable table) => table.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void every_column_starts_at_the_same_position_on_every_line()
    {
        var table = new TextTable(new Column("ID"), new Column("ENVIRONMENT"), new Column("DB"))
            .AddRow("a", "prod", "orders")
            .AddRow("bbbbbbbb", "staging-eu", "x");

        var lines = Lines(table);

        Assert.Equal(3, lines.Length);
        Assert.Equal("ID        ENVIRONMENT  DB", lines[0]);
        Assert.Equal("a         prod         orders", lines[1]);
        Assert.Equal("bbbbbbbb  staging-eu   x", lines[2]);
    }

    [Fact]
    public void a_right_aligned_column_lines_up_on_its_last_character()
    {
        var table = new TextTable(new Column("TABLE"), new Column("ROWS", Align.Right))
            .AddRow("public.events", "120,000")
            .AddRow("public.x", "7");

        var lines = Lines(table);

        Assert.Equal("TABLE             ROWS", lines[0]);
        Assert.Equal("public.events  120,000", lines[1]);
        Assert.Equal("public.x             7", lines[2]);
    }

    [Fact]
    public void no_line_ends_in_spaces_and_missing_cells_show_a_dash()
    {
        var table = new TextTable(new Column("A"), new Column("B"))
            .AddRow("long value", null)
            .AddRow("x", "");

        Assert.All(Lines(table), l => Assert.Equal(l.TrimEnd(), l));
        Assert.Equal("long value  -", Lines(table)[1]);
    }

    [Fact]
    public void without_headers_it_prints_only_the_rows()
    {
        var table = new TextTable([new Column("k"), new Column("v")], showHeaders: false).AddRow("status", "verified");

        Assert.Equal(["status  verified"], Lines(table));
    }

    [Fact]
    public void a_row_with_the_wrong_number_of_cells_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new TextTable(new Column("A"), new Column("B")).AddRow("only one"));
    }
}

public class when_humanizing_values
{
    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1024L, "1.0 KiB")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(1048540L, "1.0 MiB")] // 1023.97 KiB rounds up into the next unit
    [InlineData(12_897_484L, "12.3 MiB")]
    [InlineData(5_368_709_120L, "5.0 GiB")]
    [InlineData(null, "-")]
    public void sizes_use_binary_units_with_one_decimal(long? bytes, string expected)
    {
        Assert.Equal(expected, Humanize.Size(bytes));
    }

    [Theory]
    [InlineData(45, "45s")]
    [InlineData(12 * 60 + 59, "12m")]
    [InlineData(5 * 3600, "5h")]
    [InlineData(47 * 3600, "47h")]
    [InlineData(3 * 86400 + 100, "3d")]
    [InlineData(-30, "0s")]
    public void ages_use_their_largest_sensible_unit(int seconds, string expected)
    {
        Assert.Equal(expected, Humanize.Age(TimeSpan.FromSeconds(seconds)));
    }

    [Theory]
    [InlineData(850L, "850ms")]
    [InlineData(3_240L, "3.2s")]
    [InlineData(245_000L, "4m05s")]
    [InlineData(3_720_000L, "1h02m")]
    public void run_times_read_naturally(long ms, string expected)
    {
        Assert.Equal(expected, Humanize.Duration(ms));
    }

    [Fact]
    public void times_are_shown_in_utc()
    {
        Assert.Equal("2025-01-31 06:15:00", Humanize.Utc(new DateTimeOffset(2025, 1, 31, 8, 15, 0, TimeSpan.FromHours(2))));
    }
}

public class when_rendering_backups_for_people
{
    private static readonly DateTimeOffset Now = new(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);

    internal static RestorePoint Verified(Guid id) => new()
    {
        Id = id,
        Environment = "prod",
        Database = "decisiongraph",
        Trigger = BackupTriggers.PreUpgrade,
        Release = "v2.4.0",
        Status = BackupStatus.Verified,
        RequestedBy = "pipeline",
        RequestedAt = Now.AddHours(-3),
        AgentId = "agent-1",
        StartedAt = Now.AddHours(-3),
        FinishedAt = Now.AddHours(-2),
        DurationMs = 3_200,
        SizeBytes = 12_897_484,
        Sha256 = "ab12",
        ArtifactPath = "/backups/prod/decisiongraph.dump",
        DumpOptions = ["--format=custom"],
        TableRowCounts = [new TableRowCount("public", "traces", 20_000), new TableRowCount("public", "events", 120_000)],
        VerifiedAt = Now.AddHours(-2),
        Timestamp = Now.AddHours(-2),
    };

    [Fact]
    public void a_short_id_is_the_random_tail_of_a_version_7_id_so_ids_made_in_the_same_minute_differ()
    {
        var at = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 50).Select(_ => Humanize.ShortId(Guid.CreateVersion7(at))).ToList();
        Assert.Equal(50, ids.Distinct().Count());
        Assert.Equal("00000001", Humanize.ShortId(Guid.Parse("3f2a9c1e-0000-4000-8000-000000000001")));
    }

    [Fact]
    public void the_list_table_shows_the_full_id_that_restore_takes_and_every_column_a_person_needs()
    {
        var id = Guid.Parse("3f2a9c1e-0000-4000-8000-000000000001");
        var lines = BackupViews.Table([Verified(id), Verified(Guid.NewGuid()) with { Release = null, SizeBytes = null, FinishedAt = null }], Now)
            .ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(["ID", "ENV", "DB", "TRIGGER", "STATUS", "TAKEN", "(UTC)", "SIZE", "RELEASE", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(
            ["3f2a9c1e-0000-4000-8000-000000000001", "prod", "decisiongraph", "pre-upgrade", "verified", "2025-03-10", "10:00:00", "12.3", "MiB", "v2.4.0", "2h"],
            lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(" - ", lines[2], StringComparison.Ordinal);
        // SIZE is right-aligned: every size cell ends where the header ends.
        var sizeEnd = lines[0].IndexOf("SIZE", StringComparison.Ordinal) + "SIZE".Length;
        Assert.Equal(sizeEnd, lines[1].IndexOf("MiB", StringComparison.Ordinal) + "MiB".Length);
        Assert.Equal("  -  ", lines[2].Substring(sizeEnd - 3, 5));
    }

    [Fact]
    public void the_detail_shows_the_full_id_the_row_counts_and_the_history_in_order()
    {
        var id = Guid.NewGuid();
        using var payload = JsonDocument.Parse("{}");
        var detail = new BackupDetail(Verified(id),
        [
            new HistoryEntry(2, "backup_started", Now.AddHours(-3), payload.RootElement),
            new HistoryEntry(1, "backup_requested", Now.AddHours(-3), payload.RootElement),
            new HistoryEntry(3, "backup_verified", Now.AddHours(-2), payload.RootElement),
        ]);
        var output = new StringWriter();

        BackupViews.WriteDetail(output, detail);
        var text = output.ToString();

        Assert.StartsWith($"Backup {id}", text, StringComparison.Ordinal);
        Assert.Contains("Tables (2, 140,000 rows)", text, StringComparison.Ordinal);
        Assert.Matches(@"public\.events\s+120,000", text);
        Assert.True(text.IndexOf("backup_requested", StringComparison.Ordinal) < text.IndexOf("backup_started", StringComparison.Ordinal));
        Assert.True(text.IndexOf("backup_started", StringComparison.Ordinal) < text.IndexOf("backup_verified", StringComparison.Ordinal));
        Assert.Contains("12.3 MiB (12,897,484 bytes)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void the_agents_table_lists_each_agents_databases_and_when_it_was_last_seen()
    {
        var agent = new AgentStatus
        {
            Id = "agent-1",
            Hostname = "db-host",
            Version = "1.0.0+0bc95ffc7204bb3261795b63eb49a8500f2a0cdb",
            Databases = [new ManagedDatabase("prod", "decisiongraph", DatabaseRoles.Primary)],
            Environments = ["prod"],
            LastHeartbeat = Now.AddSeconds(-20),
        };

        var lines = AgentViews.Table([agent], Now).ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Contains("prod/decisiongraph (primary)", lines[1], StringComparison.Ordinal);
        Assert.Contains(" 1.0.0 ", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("0bc95ff", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("20s", lines[1], StringComparison.Ordinal);
    }
}
