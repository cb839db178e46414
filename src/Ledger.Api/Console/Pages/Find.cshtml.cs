using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Ledger.Contracts.Restores;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ledger.Api.OperatorConsole.Pages;

/// <summary>
/// <c>/ui/find/{id}</c>: the detail page of whatever stream has this id. The compliance report's evidence lists drills,
/// backups and gates by id alone; this is where such an id links.
/// </summary>
public sealed class FindModel(IQuerySession session) : PageModel
{
    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var batch = session.CreateBatchQuery();
        var backup = batch.Load<RestorePoint>(id);
        var drill = batch.Load<DrillView>(id);
        var gate = batch.Load<GateView>(id);
        var restore = batch.Load<RestoreView>(id);
        await batch.Execute(ct);
        return await backup is not null ? Redirect($"/ui/backups/{id}")
            : await drill is not null ? Redirect($"/ui/drills/{id}")
            : await gate is not null ? Redirect($"/ui/gates/{id}")
            : await restore is not null ? Redirect($"/ui/restores/{id}")
            : NotFound();
    }
}
