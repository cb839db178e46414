using System.Net.Sockets;
using Ledger.Agent.Backups;
using Ledger.Agent.Recovery;
using Ledger.Api.Http;
using Ledger.Contracts.Backups;
using Npgsql;

namespace Ledger.Tests.Agent;

public sealed class when_the_environment_fails_a_backup
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 3, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("pg_dump: error: Dumping the contents of table \"payload\" failed: PQgetCopyData() failed.\npg_dump: detail: Error message from server: server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally")]
    [InlineData("pg_dump: error: query failed: FATAL:  terminating connection due to administrator command")]
    [InlineData("pg_dump: error: connection to server at \"127.0.0.1\", port 5432 failed: Connection refused")]
    public void a_pg_dump_that_lost_its_server_is_named_so_with_the_stage(string stderr)
    {
        var reason = DumpFailureRules.PgDumpExited(1, stderr, "pg_dump");
        Assert.StartsWith("The connection to the source database was lost during pg_dump: pg_dump exited with code 1 (", reason);
        Assert.DoesNotContain("\n", reason);
    }

    [Fact]
    public void any_other_pg_dump_failure_keeps_its_exit_code_reason()
    {
        Assert.Equal("pg_dump exited with code 1.", DumpFailureRules.PgDumpExited(1, "pg_dump: error: permission denied for table payload", "pg_dump"));
        Assert.False(DumpFailureRules.SaysConnectionLost(null));
    }

    [Fact]
    public void a_full_disk_names_the_repository_the_stage_and_the_kernels_error_not_the_runners_wrapper()
    {
        var enospc = new IOException("No space left on device : '/r/prod/app/.app-1.dump.partial'");
        var wrapped = new IOException("Writing the output of `pg_dump --format=custom` failed: " + enospc.Message, enospc);
        Assert.Equal("The repository /r failed during pg_dump: IOException: No space left on device : '/r/prod/app/.app-1.dump.partial'",
            DumpFailureRules.RepositoryFailed("/r", wrapped, "pg_dump"));
    }

    [Fact]
    public void a_source_connection_that_dropped_is_named_lost_and_a_bad_query_is_not()
    {
        var dropped = new NpgsqlException("Exception while reading from stream", new EndOfStreamException());
        Assert.StartsWith("The connection to the source database was lost during the fingerprint", DumpFailureRules.SourceFailed(dropped, "the fingerprint"));
        var refused = new PostgresException("permission denied for table payload", "ERROR", "ERROR", "42501");
        Assert.StartsWith("Cannot read the source database during the fingerprint", DumpFailureRules.SourceFailed(refused, "the fingerprint"));
    }

    [Fact]
    public void after_an_outage_reports_are_sent_again_and_a_next_step_only_if_it_never_began()
    {
        var failed = new BackupFailed(Guid.NewGuid(), "a1", "boom", null, Now);
        var next = new DumpDatabase(new TakeBackup(Guid.NewGuid(), "prod", "app", BackupTriggers.Manual, null, Now));
        Assert.True(ReportRedelivery.ShouldResend(failed, nextStepBegan: true));
        Assert.True(ReportRedelivery.ShouldResend(next, nextStepBegan: false));
        Assert.False(ReportRedelivery.ShouldResend(next, nextStepBegan: true));
        // A copy is not journalled: whether it ran cannot be told, so it is never sent twice.
        Assert.False(ReportRedelivery.ShouldResend(new CopyBackup(null!, Now), nextStepBegan: false));
    }
}

public sealed class when_the_ledger_database_is_unreachable
{
    [Fact]
    public void connection_failures_and_shutdowns_are_503_and_statement_errors_are_not()
    {
        var refused = new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));
        Assert.True(DatabaseUnavailable.IsUnreachable(refused));
        Assert.True(DatabaseUnavailable.IsUnreachable(new InvalidOperationException("Marten Command Failure", refused)));
        Assert.True(DatabaseUnavailable.IsUnreachable(new PostgresException("the database system is shutting down", "FATAL", "FATAL", "57P03")));
        Assert.True(DatabaseUnavailable.IsUnreachable(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")));
        Assert.False(DatabaseUnavailable.IsUnreachable(new PostgresException("duplicate key value", "ERROR", "ERROR", "23505")));
        Assert.False(DatabaseUnavailable.IsUnreachable(new InvalidOperationException("no database here")));
    }
}
