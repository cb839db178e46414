using System.Text;
using System.Text.RegularExpressions;

namespace Ledger.Postgres;

/// <summary>
/// One run of a PostgreSQL program (pg_dump, pg_restore, psql, ...). Arguments are passed as a list, never through a
/// shell. The connection goes in <see cref="ConnectionString"/>: the runner turns it into libpq environment variables
/// and a temporary passfile, so the password is never on the command line.
/// </summary>
public sealed partial record PgCommand(string Executable, IReadOnlyList<string> Arguments)
{
    /// <summary>The server to talk to (any form <see cref="PgConnectionStrings.Normalize"/> accepts).</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Extra environment variables, applied last (after those derived from <see cref="ConnectionString"/>).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>The child's working directory; the current one when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Bytes to feed to the child's stdin (e.g. an archive for pg_restore); stdin is closed at once when null.</summary>
    public Stream? StandardInput { get; init; }

    /// <summary>
    /// The command line for logs: program name and arguments, shell-quoted where needed. Secret-free: passwords in
    /// connection URIs, <c>password=</c> pairs, SQL <c>PASSWORD '...'</c> literals and the password of
    /// <see cref="ConnectionString"/> wherever it appears are replaced by <c>***</c>. Environment values are not shown.
    /// </summary>
    public string Describe()
    {
        var secret = PasswordOf(ConnectionString);
        var text = new StringBuilder(Path.GetFileName(Executable));
        foreach (var argument in Arguments)
        {
            text.Append(' ').Append(ShellQuote(RedactArgument(argument, secret)));
        }

        return text.ToString();
    }

    /// <summary>Same as <see cref="Describe"/>: a record's generated ToString would print the connection string.</summary>
    public override string ToString() => Describe();

    internal static string RedactArgument(string argument, string? secret)
    {
        var redacted = ConnectionUri().Replace(argument, m => PgConnectionStrings.Redact(m.Value));
        redacted = PasswordPair().Replace(redacted, m => m.Groups[1].Value + "=***");
        redacted = SqlPasswordLiteral().Replace(redacted, "PASSWORD '***'");
        if (!string.IsNullOrEmpty(secret))
        {
            redacted = redacted.Replace(secret, "***", StringComparison.Ordinal);
        }

        return redacted;
    }

    /// <summary>True when an argument carries a password in a form the runner refuses (a URI or a password= pair).</summary>
    internal static bool CarriesConnectionPassword(string argument, string? secret)
    {
        if (!string.IsNullOrEmpty(secret) && argument.Contains(secret, StringComparison.Ordinal))
        {
            return true;
        }

        if (PasswordPair().IsMatch(argument))
        {
            return true;
        }

        foreach (Match uri in ConnectionUri().Matches(argument))
        {
            try
            {
                if (!string.IsNullOrEmpty(PgConnectionStrings.Parse(uri.Value).Password))
                {
                    return true;
                }
            }
            catch (ArgumentException)
            {
                // An unreadable URI with user info may still hold a password: refuse rather than guess.
                if (uri.Value.Contains('@', StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    internal static string? PasswordOf(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        try
        {
            return PgConnectionStrings.Parse(connectionString).Password;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string ShellQuote(string argument) =>
        argument.Length > 0 && SafeForShell().IsMatch(argument)
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"postgres(?:ql)?://[^\s'""]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionUri();

    [GeneratedRegex(@"\b(password|pwd|psw|sslpassword)\s*=\s*(?:'(?:[^'\\]|\\.)*'?|[^;\s]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordPair();

    [GeneratedRegex(@"\bPASSWORD\s+'(?:[^']|'')*'?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SqlPasswordLiteral();

    [GeneratedRegex(@"^[A-Za-z0-9_@%+=:,./-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafeForShell();
}

/// <summary>How a PostgreSQL program ended.</summary>
/// <param name="ExitCode">The process exit code (0 means success for every PostgreSQL tool).</param>
/// <param name="StderrTail">The last ~16 KiB of stderr, decoded as UTF-8.</param>
/// <param name="StdoutText">Captured stdout (bounded), or null when stdout was streamed to a caller's stream.</param>
/// <param name="Elapsed">Wall-clock time from start to exit.</param>
public sealed record PgProcessResult(int ExitCode, string StderrTail, string? StdoutText, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The secret-free command line (<see cref="PgCommand.Describe"/>) that produced this result.</summary>
    public string CommandLine { get; init; } = "";

    /// <summary>True when captured stdout exceeded the runner's bound and the rest was discarded.</summary>
    public bool StdoutTruncated { get; init; }

    /// <summary>True when stderr exceeded the tail bound, so <see cref="StderrTail"/> lacks its beginning.</summary>
    public bool StderrTruncated { get; init; }

    /// <summary>Returns this result when it succeeded, else throws <see cref="PgProcessFailedException"/>.</summary>
    public PgProcessResult EnsureSuccess() => Succeeded ? this : throw new PgProcessFailedException(this);
}

/// <summary>A PostgreSQL program exited with a non-zero code. The message holds the command line (secret-free) and stderr's tail.</summary>
public sealed class PgProcessFailedException : Exception
{
    public PgProcessFailedException(PgProcessResult result)
        : base($"{result.CommandLine} exited with code {result.ExitCode}: {LastLines(result.StderrTail)}") => Result = result;

    public PgProcessResult Result { get; }

    private static string LastLines(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output on stderr)" : string.Join(" | ", lines.TakeLast(5));
    }
}
