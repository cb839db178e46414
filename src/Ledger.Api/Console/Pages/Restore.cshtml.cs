using Ledger.Contracts.Restores;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Ledger.Api.OperatorConsole.Pages;

/// <summary><c>/ui/restores/{id}</c>: a restore or plan, every step and check with its duration, and its event history.</summary>
public sealed class RestoreModel(IQuerySession session, IOptions<JsonOptions> json) : PageModel
{
    public RestoreView Restore { get; private set; } = null!;
    public IReadOnlyList<HistoryRow> History { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        if (await session.LoadAsync<RestoreView>(id, ct) is not { } restore)
        {
            return NotFound();
        }

        Restore = restore;
        History = await OperatorConsole.History.LoadAsync(session, id, json.Value.SerializerOptions, ct);
        return Page();
    }
}
