using System.Security.Cryptography;
using Agent;
using Agent.Backups;
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
