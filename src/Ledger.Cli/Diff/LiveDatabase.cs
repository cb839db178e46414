using Ledger.Cli.Common;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.Cli.Diff;

/// <summary>
/// A database named on the command line (<c>--source</c>, <c>--target</c>): its connection string, the secret-free
/// form messages show, and how a failure to reach or read it reads for people.
/// </summary>
internal sealed record LiveDatabase(string Option, string Role, string ConnectionString, string Display)
{
    /// <summary>A libpq URI or an Npgsql connection string; anything else is a usage error (exit 2) naming the option.</summary>
    public static LiveDatabase Parse(string option, string role, string url)
    {
        try
        {
            return new LiveDatabase(option, role, PgConnectionStrings.Normalize(url), PgConnectionStrings.Redact(url));
        }
        catch (ArgumentException e)
        {
            // The message never repeats a password (PgConnectionStrings promises it); drop the "(Parameter ...)" tail.
            var reason = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new UsageException($"invalid {option}: {reason} Expected postgresql://user:password@host:5432/database or Host=...;Database=...");
        }
    }

    /// <summary>Runs <paramref name="work"/> against this database; failing to reach or read it becomes a <see cref="DatabaseFailure"/>.</summary>
    public async Task<T> RunAsync<T>(Func<string, Task<T>> work)
    {
        try
        {
            return await work(ConnectionString);
        }
        catch (Exception e) when (Describe(e) is { } error)
        {
            throw new DatabaseFailure(error, e);
        }
    }

    /// <summary>
    /// What went wrong, for people: cannot connect (network, authentication, no such database, server starting or
    /// full) is <see cref="ExitCodes.Unreachable"/>; a failure once connected (say, a permission) is unexpected.
    /// Null when the exception is not about the database (a bug, or cancellation).
    /// </summary>
    public CliError? Describe(Exception exception) => exception switch
    {
        PostgresException pg when CannotConnect(pg.SqlState) => new CliError(
            ExitCodes.Unreachable,
            $"cannot connect to the {Role} database at {Display}: {pg.MessageText}",
            $"check {Option}"),
        PostgresException pg => new CliError(
            ExitCodes.Unexpected,
            $"reading the {Role} database at {Display} failed: {pg.MessageText} (SQLSTATE {pg.SqlState})",
            "the role needs SELECT on every table and sequence and must see the catalog"),
        NpgsqlException or TimeoutException => new CliError(
            ExitCodes.Unreachable,
            $"cannot reach the {Role} database at {Display}: is it running? check {Option}",
            $"({Reason(exception)})"),
        _ => null,
    };

    // Class 08 connection exception, 28 invalid authorization, 3D000 no such database, 57P03 cannot connect now,
    // 53300 too many connections.
    private static bool CannotConnect(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState.StartsWith("28", StringComparison.Ordinal)
        || sqlState is "3D000" or "57P03" or "53300";

    private static string Reason(Exception exception)
    {
        var reasons = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (!reasons.Contains(e.Message, StringComparer.Ordinal))
            {
                reasons.Add(e.Message);
            }
        }

        return string.Join(": ", reasons);
    }

    // Keep the connection string (and its password) out of logs and debugger views.
    public override string ToString() => $"{Role} {Display}";
}

/// <summary>A database could not be reached or read; <see cref="Error"/> is what the user sees.</summary>
internal sealed class DatabaseFailure(CliError error, Exception inner) : Exception(error.Lines[0], inner)
{
    public CliError Error { get; } = error;
}
