using Ledger.Contracts.Backups;
using Ledger.Contracts.Gates;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Ledger.Api.OperatorConsole.Pages;

/// <summary><c>/ui/gates/{id}</c>: a pre-upgrade gate's verdict, every reason, the backup that is its evidence, each attempt.</summary>
public sealed class GateModel(IQuerySession session, IOptions<JsonOptions> json) : PageModel
{
    public GateView Gate { get; private set; } = null!;
    public RestorePoint? Evidence { get; private set; }
    public IReadOnlyList<HistoryRow> History { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        if (await session.LoadAsync<GateView>(id, ct) is not { } gate)
        {
            return NotFound();
        }

        Gate = gate;
        Evidence = gate.BackupId is { } backupId ? await session.LoadAsync<RestorePoint>(backupId, ct) : null;
        History = await OperatorConsole.History.LoadAsync(session, id, json.Value.SerializerOptions, ct);
        return Page();
    }
}
