using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Ledger.Contracts.Common;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Auth;

/// <summary>
/// One configured token (section <c>Auth:Tokens</c>). Give either the token itself (<c>Token</c>) or, better, its
/// SHA-256 in hex (<c>Sha256</c>) so the secret never sits in a config file. <c>Name</c> is what the ledger records as
/// the actor; the token itself is never logged, stored or echoed.
/// </summary>
public sealed class TokenEntry
{
    public string Name { get; set; } = "";
    public string? Token { get; set; }
    public string? Sha256 { get; set; }
    public List<string> Roles { get; set; } = [];
}

public sealed class BearerTokenOptions : AuthenticationSchemeOptions
{
    public List<TokenEntry> Tokens { get; set; } = [];
}

/// <summary>Checks <c>Authorization: Bearer ...</c> against the configured tokens in constant time.</summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<BearerTokenOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder) : AuthenticationHandler<BearerTokenOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("The Authorization header is not a bearer token."));
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        var match = TokenMatcher.Find(Options.Tokens, presented);
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown bearer token."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, match.Name) };
        claims.AddRange(TokenMatcher.EffectiveRoles(match).Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return base.HandleChallengeAsync(properties);
    }
}

/// <summary>Pure token matching, unit-tested without a host.</summary>
public static class TokenMatcher
{
    public static byte[] HashOf(TokenEntry entry) =>
        entry.Sha256 is { Length: > 0 } hex
            ? Convert.FromHexString(hex)
            : SHA256.HashData(Encoding.UTF8.GetBytes(entry.Token ?? ""));

    /// <summary>Compares against every entry without stopping early, so timing says nothing about which matched.</summary>
    public static TokenEntry? Find(IReadOnlyList<TokenEntry> entries, byte[] presentedSha256)
    {
        TokenEntry? found = null;
        foreach (var entry in entries)
        {
            if (CryptographicOperations.FixedTimeEquals(HashOf(entry), presentedSha256) && found is null)
            {
                found = entry;
            }
        }

        return found;
    }

    /// <summary>Admin implies every role.</summary>
    public static IEnumerable<string> EffectiveRoles(TokenEntry entry) =>
        entry.Roles.Contains(Roles.Admin) ? Roles.All : entry.Roles.Where(Roles.All.Contains);

    /// <summary>Rejects a token list that would fail open or be unusable; messages never include a token.</summary>
    public static void Validate(IReadOnlyList<TokenEntry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (string.IsNullOrWhiteSpace(e.Name))
            {
                throw new InvalidOperationException($"Auth:Tokens:{i} has no Name.");
            }

            var hasToken = !string.IsNullOrEmpty(e.Token);
            var hasHash = !string.IsNullOrEmpty(e.Sha256);
            if (hasToken == hasHash)
            {
                throw new InvalidOperationException($"Auth:Tokens:{i} ({e.Name}) must set exactly one of Token or Sha256.");
            }

            if (hasToken && e.Token!.Length < 16)
            {
                throw new InvalidOperationException($"Auth:Tokens:{i} ({e.Name}) is shorter than 16 characters.");
            }

            if (hasHash && (e.Sha256!.Length != 64 || !e.Sha256.All(Uri.IsHexDigit)))
            {
                throw new InvalidOperationException($"Auth:Tokens:{i} ({e.Name}) Sha256 must be 64 hex digits.");
            }

            var unknown = e.Roles.Where(r => !Roles.All.Contains(r)).ToList();
            if (unknown.Count > 0 || e.Roles.Count == 0)
            {
                throw new InvalidOperationException(
                    $"Auth:Tokens:{i} ({e.Name}) roles must be some of {string.Join(", ", Roles.All)}; got '{string.Join(", ", e.Roles)}'.");
            }
        }
    }
}
