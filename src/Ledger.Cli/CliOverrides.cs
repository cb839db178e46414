namespace Ledger.Cli;

/// <summary>
/// What a test (or a host embedding the CLI) may replace. Anything left null uses the real process:
/// Console.Out / Console.Error, the process environment, a real socket handler and the system clock.
/// </summary>
public sealed record CliOverrides
{
    /// <summary>Where results go (tables, JSON, help).</summary>
    public TextWriter? Out { get; init; }

    /// <summary>Where errors and progress go.</summary>
    public TextWriter? Error { get; init; }

    /// <summary>Environment-variable lookup (DGLEDGER_URL, DGLEDGER_TOKEN). Return null for "not set".</summary>
    public Func<string, string?>? Environment { get; init; }

    /// <summary>The HTTP handler under the ledger client, e.g. a WebApplicationFactory's server handler.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>The clock for ages and for <c>--wait</c>.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Cancels the running command (exit 130). With overrides, Ctrl+C is not hooked.</summary>
    public CancellationToken Cancellation { get; init; }
}
