using System.Security.Cryptography;
using Ledger.Agent;
using Ledger.Agent.Backups;
using Ledger.Contracts.Backups;

namespace Ledger.Tests.Agent;

public sealed class when_the_agent_names_and_checks_artifacts
{
    [Fact]
    public void an_artifact_is_named_env_db_utc_time_and_backup_id()
    {
        var id = Guid.Parse("01a20b16-0000-7000-8000-000000000001");
        var at = new DateTimeOffset(2026, 11, 24, 3, 4, 5, TimeSpan.FromHours(2));
        var path = Path.Combine(Artifacts.DirectoryFor("/repo", "prod", "app"), Artifacts.FileNameFor("app", at, id));
        Assert.Equal($"/repo/prod/app/app-20261124-010405-{id}.dump", path);
        Assert.Equal($"/repo/prod/app/.app-20261124-010405-{id}.dump.partial", Artifacts.PartialPathFor(path));
        Assert.Equal($"/repo/prod/app/app-20261124-010405-{id}.json", Artifacts.SidecarPathFor(path));
    }

    [Fact]
    public void the_table_of_contents_check_names_each_counted_table_without_data()
    {
        const string listing = """
            ;
            ; Archive created at 2026-11-24 01:04:56 UTC
            ;
            215; 1259 16390 TABLE public dg_event_log postgres
            3345; 0 16390 TABLE DATA public dg_event_log postgres
            3346; 0 16402 TABLE DATA public dg_workflow_items postgres
            3347; 0 16410 SEQUENCE SET public dg_event_log_log_seq_seq postgres
            """;
        var counted = new[]
        {
            new TableRowCount("public", "dg_event_log", 300), new TableRowCount("public", "dg_workflow_items", 20),
            new TableRowCount("public", "dg_projection_cursors", 4), new TableRowCount("audit", "dg_event_log", 1),
        };

        Assert.Equal(["public.dg_projection_cursors", "audit.dg_event_log"], TableOfContents.MissingTableData(listing, counted));
    }

    [Fact]
    public void the_hashing_stream_passes_every_byte_through_and_hashes_them()
    {
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        using var sink = new MemoryStream();
        using var hashing = new HashingWriteStream(sink);
        hashing.Write(data, 0, 1000);
        hashing.Write(data.AsSpan(1000));
        Assert.Equal(data, sink.ToArray());
        Assert.Equal(data.LongLength, hashing.BytesWritten);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), hashing.HexDigest());
    }
}

public sealed class when_the_agent_reads_its_configuration
{
    [Fact]
    public void every_problem_is_named_by_its_key_and_no_connection_string_is_echoed()
    {
        var options = new AgentOptions
        {
            Id = "agent 1",
            Repository = "",
            CompressionLevel = 12,
            Databases =
            [
                new() { Name = "app", Environment = "Prod", ConnectionString = "mysql://root:hunter2-secret@db/app", Role = "leader" },
            ],
        };

        var problems = string.Join("\n", options.Problems());

        Assert.Contains("Agent:Id", problems);
        Assert.Contains("Agent:Repository", problems);
        Assert.Contains("Agent:CompressionLevel", problems);
        Assert.Contains("Agent:Databases:0:Environment", problems);
        Assert.Contains("Agent:Databases:0:Role", problems);
        Assert.Contains("Agent:Databases:0:ConnectionString", problems);
        Assert.DoesNotContain("hunter2-secret", problems);
    }

    [Fact]
    public void a_request_for_an_unmanaged_database_fails_at_once_without_a_dump()
    {
        var options = new AgentOptions { Id = "a1", Databases = [new() { Name = "app", Environment = "prod" }] };
        var now = DateTimeOffset.UtcNow;
        var request = new TakeBackup(Guid.NewGuid(), "prod", "billing", "manual", null, now);

        var outcome = Assert.Single(TakeBackupHandler.Handle(request, options, now));

        var failed = Assert.IsType<BackupFailed>(outcome);
        Assert.Contains("does not manage database 'billing'", failed.Reason);
    }

    [Fact]
    public void a_request_for_a_managed_database_is_started_and_handed_to_the_dump_step()
    {
        var options = new AgentOptions { Id = "a1", Databases = [new() { Name = "app", Environment = "prod" }] };
        var now = DateTimeOffset.UtcNow;
        var request = new TakeBackup(Guid.NewGuid(), "prod", "app", "manual", null, now);

        var outcomes = TakeBackupHandler.Handle(request, options, now).ToList();

        Assert.Equal(new BackupStarted(request.BackupId, "a1", now), outcomes[0]);
        Assert.Equal(new DumpDatabase(request), outcomes[1]);
    }
}

public sealed class when_an_archive_is_checked_against_its_fingerprint
{
    // Lines as pg_restore --list (PostgreSQL 15) prints them for the DecisionGraph schema.
    private const string Listing = """
        ;
        ; Archive created at 2026-11-24 01:40:00 UTC
        ;
        243; 1255 16404 FUNCTION public dg_event_log_check_trace() postgres
        3467; 0 0 SEQUENCE SET public dg_event_log_log_seq_seq postgres
        3268; 2606 16397 CONSTRAINT public dg_event_log dg_event_log_pkey postgres
        3271; 1259 16406 INDEX public dg_event_log_type_idx postgres
        3300; 2620 16405 TRIGGER public dg_event_log dg_event_log_trace_rules postgres
        232; 1259 16504 VIEW public v2 postgres
        3345; 0 16390 TABLE DATA public dg_event_log postgres
        """;

    private static Ledger.Contracts.Fidelity.DatabaseFingerprint Fingerprint(params Ledger.Contracts.Fidelity.SchemaObject[] extra) => new(
        "db", "15", [new("public", "dg_event_log", 3, "h", ["log_seq"])], [new("public", "dg_event_log_log_seq_seq", 3, true)],
        [
            new("function", "public.dg_event_log_check_trace", "..."),
            new("constraint", "public.dg_event_log.dg_event_log_pkey", "PRIMARY KEY (log_seq)"),
            new("index", "public.dg_event_log_pkey", "CREATE UNIQUE INDEX ..."),
            new("index", "public.dg_event_log_type_idx", "CREATE INDEX ..."),
            new("trigger", "public.dg_event_log.dg_event_log_trace_rules", "CREATE TRIGGER ..."),
            new("view", "public.v2", "SELECT 1"),
            .. extra,
        ],
        "hash", DateTimeOffset.UnixEpoch, 1);

    [Fact]
    public void a_complete_archive_lacks_nothing() => Assert.Empty(TableOfContents.MissingFrom(Listing, Fingerprint()));

    [Fact]
    public void each_missing_object_is_named()
    {
        var fingerprint = Fingerprint(new("trigger", "public.dg_event_log.audit", "CREATE TRIGGER ..."), new("index", "public.other_idx", "..."))
            with { Sequences = [new("public", "dg_event_log_log_seq_seq", 3, true), new("public", "lost_seq", 1, false)] };
        var missing = TableOfContents.MissingFrom(Listing.Replace("3345; 0 16390 TABLE DATA public dg_event_log postgres", ""), fingerprint);
        Assert.Equal(
            ["table data public.dg_event_log", "sequence value public.lost_seq", "trigger public.dg_event_log.audit", "index public.other_idx"],
            missing);
    }
}

public sealed class when_sequence_values_are_read_back_from_an_archive
{
    [Fact]
    public void setval_lines_are_parsed_with_quoted_names_and_is_called()
    {
        const string script = """
            SELECT pg_catalog.setval('public.dg_event_log_log_seq_seq', 1847, true);
            SELECT pg_catalog.setval('"Audit"."It''s_seq"', 1, false);
            """;
        var values = ArchiveSequences.Parse(script);
        Assert.Equal((1847L, true), values["public.dg_event_log_log_seq_seq"]);
        Assert.Equal((1L, false), values[ArchiveSequences.QualifiedName("Audit", "It's_seq")]);
    }
}

public sealed class when_an_archive_holds_functions_named_as_the_fingerprint_names_them
{
    [Fact]
    public void a_function_named_with_its_identity_arguments_is_found_in_the_listing()
    {
        const string listing = """
            243; 1255 16404 FUNCTION public dg_event_log_check_trace() postgres
            244; 1255 16405 FUNCTION public add(integer, integer) postgres
            """;
        var fingerprint = new Ledger.Contracts.Fidelity.DatabaseFingerprint("db", "15", [], [],
            [
                new("function", "public.dg_event_log_check_trace()", "CREATE FUNCTION ..."),
                new("function", "public.add(integer, integer)", "CREATE FUNCTION ..."),
                new("function", "public.gone()", "CREATE FUNCTION ..."),
            ],
            "hash", DateTimeOffset.UnixEpoch, 1);

        Assert.Equal(["function public.gone()"], TableOfContents.MissingFrom(listing, fingerprint));
    }
}
