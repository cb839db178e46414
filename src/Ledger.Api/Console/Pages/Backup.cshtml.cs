using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Fidelity;
using Ledger.Contracts.Restores;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Ledger.Api.OperatorConsole.Pages;

/// <summary>
/// <c>/ui/backups/{id}</c>: a backup's metadata, its copy in the repository, its checks (row counts, verification), a
/// summary of the fidelity fingerprint, the restores and drills that used it, and its full event history.
/// </summary>
public sealed class BackupModel(IQuerySession session, IOptions<JsonOptions> json) : PageModel
{
    public RestorePoint Backup { get; private set; } = null!;
    public IReadOnlyList<HistoryRow> History { get; private set; } = [];
    public DatabaseFingerprint? Fingerprint { get; private set; }
    public BackupVerified? Verification { get; private set; }
    public BackupFailed? Failure { get; private set; }
    public BackupVerificationFailed? VerificationFailure { get; private set; }
    public BackupMissed? Miss { get; private set; }
    public IReadOnlyList<RestoreView> Restores { get; private set; } = [];
    public IReadOnlyList<DrillView> Drills { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        if (await session.LoadAsync<RestorePoint>(id, ct) is not { } backup)
        {
            return NotFound();
        }

        Backup = backup;
        History = await OperatorConsole.History.LoadAsync(session, id, json.Value.SerializerOptions, ct);
        var data = History.Select(h => h.Data).ToList();
        Fingerprint = data.OfType<BackupTaken>().LastOrDefault()?.Fingerprint;
        Verification = data.OfType<BackupVerified>().LastOrDefault();
        Failure = data.OfType<BackupFailed>().LastOrDefault();
        VerificationFailure = data.OfType<BackupVerificationFailed>().LastOrDefault();
        Miss = data.OfType<BackupMissed>().LastOrDefault();
        Restores = await session.Query<RestoreView>().Where(x => x.BackupId == id).OrderByDescending(x => x.RequestedAt).Take(100).ToListAsync(ct);
        Drills = await session.Query<DrillView>().Where(x => x.BackupId == id).OrderByDescending(x => x.StartedAt).Take(100).ToListAsync(ct);
        return Page();
    }
}
