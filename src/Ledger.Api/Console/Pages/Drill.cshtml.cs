using Ledger.Api.Drills;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Ledger.Api.OperatorConsole.Pages;

/// <summary>
/// <c>/ui/drills/{id}</c>: a drill's RTO and RPO against the policy, its manual steps, what became of its target, every
/// step and check of its restore with durations, and its event history.
/// </summary>
public sealed class DrillModel(IQuerySession session, IOptions<JsonOptions> json, IConfiguration configuration) : PageModel
{
    public DrillView Drill { get; private set; } = null!;
    public RestoreView? Restore { get; private set; }
    public DrillPolicy Policy { get; private set; } = null!;
    public IReadOnlyList<HistoryRow> History { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        if (await session.LoadAsync<DrillView>(id, ct) is not { } drill)
        {
            return NotFound();
        }

        Drill = drill;
        Policy = DrillOptions.From(configuration);
        Restore = drill.RestoreId is { } restoreId ? await session.LoadAsync<RestoreView>(restoreId, ct) : null;
        History = await OperatorConsole.History.LoadAsync(session, id, json.Value.SerializerOptions, ct);
        return Page();
    }
}
