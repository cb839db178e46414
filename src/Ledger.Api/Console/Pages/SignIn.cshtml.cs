using System.Security.Cryptography;
using System.Text;
using Ledger.Api.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Ledger.Api.OperatorConsole.Pages;

/// <summary>
/// <c>/ui/signin</c>: a ledger token of any role, posted in a form (never in a URL) with its antiforgery token, becomes a
/// session cookie. A token the ledger does not know is refused with 401 and the page says so; nothing is remembered.
/// </summary>
public sealed class SignInModel(IOptionsMonitor<BearerTokenOptions> tokens) : PageModel
{
    public string? Error { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? token)
    {
        var presented = token?.Trim() ?? "";
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var match = presented.Length == 0 ? null : TokenMatcher.Find(tokens.Get(BearerTokenHandler.SchemeName).Tokens, digest);
        if (match is null)
        {
            Error = "That is not a token of this ledger.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        await HttpContext.SignInAsync(ConsoleConfiguration.Scheme, ConsoleConfiguration.PrincipalFor(match, digest),
            new AuthenticationProperties { IsPersistent = false, AllowRefresh = false });
        return LocalRedirect(SafeReturn(ReturnUrl));
    }

    /// <summary>Back to the console page that asked for the sign-in, never anywhere else.</summary>
    public static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith(ConsoleConfiguration.PathBase, StringComparison.Ordinal)
                                          && !url.StartsWith("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal)
            ? url
            : ConsoleConfiguration.PathBase;
}
