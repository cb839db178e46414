using Cocona;

namespace Ledger.Cli.Client;

/// <summary>The options every command that talks to the ledger takes.</summary>
internal sealed record ConnectionOptions(
    [Option("url", ValueName = "URL", Description = "the ledger's base URL (default: $DGLEDGER_URL, else http://127.0.0.1:5080)")]
    string? Url = null,
    [Option("token", ValueName = "TOKEN", Description = "bearer token (default: $DGLEDGER_TOKEN)")]
    string? Token = null) : ICommandParameterSet
{
    // A record prints its members; the token must never be printed.
    public override string ToString() => $"ConnectionOptions {{ Url = {Url}, Token = {(Token is null ? "none" : "***")} }}";
}
