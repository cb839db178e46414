using Ledger.Cli.Common;

namespace Ledger.Cli.Client;

/// <summary>Where the ledger is and the token to show it. The token is never printed.</summary>
internal sealed record LedgerEndpoint(Uri BaseAddress, string? Token)
{
    public const string UrlVariable = "DGLEDGER_URL";
    public const string TokenVariable = "DGLEDGER_TOKEN";
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The URL as messages show it (no trailing slash).</summary>
    public string DisplayUrl => BaseAddress.GetLeftPart(UriPartial.Path).TrimEnd('/');

    /// <summary>Options win over the environment; the URL falls back to <see cref="DefaultUrl"/>.</summary>
    public static LedgerEndpoint Resolve(string? urlOption, string? tokenOption, Func<string, string?> environment)
    {
        var (url, source) = !string.IsNullOrWhiteSpace(urlOption) ? (urlOption, "--url")
            : !string.IsNullOrWhiteSpace(environment(UrlVariable)) ? (environment(UrlVariable)!, UrlVariable)
            : (DefaultUrl, "the default");

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new UsageException($"invalid ledger URL '{url}' (from {source}): expected something like {DefaultUrl}");
        }

        // A base path is kept (a ledger behind /ledger/), with exactly one trailing slash so relative paths append to it.
        var baseAddress = new UriBuilder(uri) { Path = uri.AbsolutePath.TrimEnd('/') + "/" }.Uri;

        var token = !string.IsNullOrWhiteSpace(tokenOption) ? tokenOption.Trim()
            : environment(TokenVariable) is { } fromEnvironment && !string.IsNullOrWhiteSpace(fromEnvironment) ? fromEnvironment.Trim()
            : null;

        return new LedgerEndpoint(baseAddress, token);
    }

    // Keep the token out of logs, exceptions and debugger views.
    public override string ToString() => $"LedgerEndpoint {{ BaseAddress = {BaseAddress}, Token = {(Token is null ? "none" : "***")} }}";
}
