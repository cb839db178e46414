using System.Security.Claims;
using System.Security.Cryptography;
using Ledger.Api.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

// The folder is Console/; the namespace is OperatorConsole so that `Console.WriteLine` anywhere under Ledger.Api still
// means System.Console.
namespace Ledger.Api.OperatorConsole;

/// <summary>
/// The operator console: read-only Razor Pages under <c>/ui</c>, served by the ledger on its own port. Sign-in exchanges a
/// ledger token (any role) for an HttpOnly, SameSite=Strict cookie; the token itself is never stored, echoed or put in a URL.
/// The cookie carries the token's SHA-256 (inside the data-protected ticket), and every request checks that a configured
/// token still has it, so removing a token from <c>Auth:Tokens</c> ends its console sessions too.
/// </summary>
public static class ConsoleConfiguration
{
    public const string Scheme = "DgLedgerConsole";
    public const string Policy = "console";
    public const string PathBase = "/ui";
    public const string CookieName = "dgledger_console";
    public const string AntiforgeryCookieName = "dgledger_console_af";
    public const string TokenDigestClaim = "dgledger:token-sha256";
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    public static IServiceCollection AddOperatorConsole(this IServiceCollection services)
    {
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Console/Pages";
            o.Conventions.AuthorizeFolder("/", Policy);
            o.Conventions.AllowAnonymousToPage("/SignIn");
        });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = AntiforgeryCookieName;
            o.Cookie.Path = PathBase;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__csrf";
        });
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.Path = PathBase;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = PathBase + "/signin";
            o.LogoutPath = PathBase + "/signout";
            o.AccessDeniedPath = PathBase + "/signin";
            o.ExpireTimeSpan = SessionLifetime;
            o.SlidingExpiration = false;
            o.Events.OnValidatePrincipal = ValidateAsync;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        return services;
    }

    public static WebApplication MapOperatorConsole(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments(PathBase), ui => ui.Use(async (context, next) =>
        {
            ConsoleHeaders.Apply(context);
            await next();
        }));
        app.MapRazorPages();
        return app;
    }

    /// <summary>The principal a console session carries for a matched token: its name, roles and the token's digest.</summary>
    public static ClaimsPrincipal PrincipalFor(TokenEntry token, byte[] digest)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, token.Name),
            new(TokenDigestClaim, Convert.ToHexStringLower(digest)),
        };
        claims.AddRange(TokenMatcher.EffectiveRoles(token).Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    /// <summary>Rejects a session whose token is no longer configured (rotated or removed).</summary>
    private static Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var tokens = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>()
            .Get(BearerTokenHandler.SchemeName).Tokens;
        var digest = context.Principal?.FindFirstValue(TokenDigestClaim);
        var matched = digest is { Length: 64 } && digest.All(Uri.IsHexDigit)
                      && TokenMatcher.Find(tokens, Convert.FromHexString(digest)) is { } token
                      && token.Name == context.Principal!.Identity?.Name;
        if (!matched)
        {
            context.RejectPrincipal();
            return context.HttpContext.SignOutAsync(Scheme);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Headers on every console response: no caching, no framing, no referrer, and a strict content policy.</summary>
public static class ConsoleHeaders
{
    private const string NonceKey = "dgledger-console-nonce";

    /// <summary>The nonce that lets the layout's one inline stylesheet through the content policy.</summary>
    public static string Nonce(HttpContext context) => (string)context.Items[NonceKey]!;

    public static void Apply(HttpContext context)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    }
}
