using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ledger.Api.OperatorConsole.Pages;

/// <summary><c>POST /ui/signout</c> (with its antiforgery token) ends the session; a GET changes nothing.</summary>
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => Redirect(ConsoleConfiguration.PathBase);

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ConsoleConfiguration.Scheme);
        return Redirect(ConsoleConfiguration.PathBase + "/signin");
    }
}
