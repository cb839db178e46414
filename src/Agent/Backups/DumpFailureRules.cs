using Ledger.Agent.Repositories;
using Npgsql;

namespace Ledger.Agent.Backups;

/// <summary>
/// Why a backup failed, in an operator's words: which part failed (the source database, the repository, pg_dump), at
/// which stage of the backup, and, when the source server went away, that its connection was lost. Pure.
/// </summary>
public static class DumpFailureRules
{
    /// <summary>What libpq (pg_dump's stderr) and Npgsql say when the server dies, shuts down or cannot be reached.</summary>
    private static readonly string[] LostConnection =
    [
        "server closed the connection unexpectedly",
        "terminating connection due to administrator command",
        "terminating connection due to immediate shutdown",
        "the database system is shutting down",
        "could not receive data from server",
        "no connection to the server",
        "connection to server",
        "Connection refused",
        "Exception while reading from stream",
        "Exception while writing to stream",
        "57P01",
        "57P02",
        "57P03",
    ];

    /// <summary>Whether a pg_dump stderr tail (or an exception's text) says the connection to the server was lost.</summary>
    public static bool SaysConnectionLost(string? text) =>
        text is not null && LostConnection.Any(s => text.Contains(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>pg_dump exited non-zero during <paramref name="stage"/>.</summary>
    public static string PgDumpExited(int exitCode, string? stderrTail, string stage) =>
        SaysConnectionLost(stderrTail)
            ? $"The connection to the source database was lost during {stage}: pg_dump exited with code {exitCode} ({LastLine(stderrTail)})."
            : $"pg_dump exited with code {exitCode}.";

    /// <summary>The source database failed a query of the backup during <paramref name="stage"/>.</summary>
    public static string SourceFailed(NpgsqlException e, string stage) =>
        SaysConnectionLost(Describe(e)) || e.IsTransient
            ? $"The connection to the source database was lost during {stage}: {Describe(e)}"
            : $"Cannot read the source database during {stage}: {e.Message}";

    /// <summary>The repository failed during <paramref name="stage"/> (the disk is full, the bucket is gone).</summary>
    public static string RepositoryFailed(string repositoryId, Exception e, string stage)
    {
        // The process runner wraps a failing destination ("Writing the output of pg_dump failed"): name the destination's own error.
        var cause = e is IOException { InnerException: { } inner } && BackupRepositories.IsStorageFailure(inner) ? Innermost(inner) : e;
        return $"The repository {repositoryId} failed during {stage}: {BackupRepositories.Describe(cause)}";
    }

    private static Exception Innermost(Exception e)
    {
        // An S3 client error carries the transport's (connection refused, reset) as its inner exception.
        while (e.InnerException is { } inner && BackupRepositories.IsStorageFailure(inner) && e is not Amazon.Runtime.AmazonServiceException)
        {
            e = inner;
        }

        return e;
    }

    private static string Describe(Exception e) =>
        e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} ({inner.Message})" : e.Message;

    private static string LastLine(string? text) =>
        (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => SaysConnectionLost(l))
        ?? (text ?? "").Trim();
}
