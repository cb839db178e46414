using Ledger.Contracts.Common;
using Ledger.Api.Backups;
using Ledger.Api.Drills;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Restores;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ledger.Api.OperatorConsole.Pages;

/// <summary>
/// <c>/ui/db/{environment}/{database}/trends</c>: backup size and duration over the newest <see cref="Points"/> backups
/// taken (the API's newest-first order over the (environment, database, timestamp, id) index), and the RTO of restores and
/// drills against the policy's target (<c>Drills:RtoTargetSeconds</c>).
/// </summary>
public sealed class TrendsModel(IQuerySession session, IConfiguration configuration) : PageModel
{
    public const int Points = 200;

    [FromRoute] public string Environment { get; set; } = "";
    [FromRoute] public string Database { get; set; } = "";

    public DrillPolicy Policy { get; private set; } = null!;
    public IReadOnlyList<RestorePoint> Backups { get; private set; } = [];
    public IReadOnlyList<DrillView> Drills { get; private set; } = [];
    public IReadOnlyList<RestoreView> Restores { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Policy = DrillOptions.From(configuration);
        var taken = session.Query<RestorePoint>()
            .Where(x => x.Environment == Environment && x.Database == Database && x.SizeBytes != null && x.DurationMs != null);
        Backups = await ListBackupsEndpoint.Newest(taken).Take(Points).ToListAsync(ct);
        Drills = await session.Query<DrillView>()
            .Where(x => x.Environment == Environment && x.Database == Database && x.RtoMs != null)
            .OrderByDescending(x => x.StartedAt).Take(Points).ToListAsync(ct);
        // Restores of this database's backups that ran to the end (not plans, not the drills' own restores: those are the drills).
        Restores = await session.Query<RestoreView>()
            .Where(x => x.SourceEnvironment == Environment && x.SourceDatabase == Database && !x.Plan && x.DrillId == null
                        && x.DurationMs != null)
            .OrderByDescending(x => x.RequestedAt).Take(Points).ToListAsync(ct);
    }

    /// <summary>The unit the size chart is drawn in: the largest backup's.</summary>
    public (string Name, double Bytes) SizeUnit() => Backups.Select(b => b.SizeBytes ?? 0).DefaultIfEmpty(0).Max() switch
    {
        < 1L << 20 => ("KiB", 1024.0),
        < 1L << 30 => ("MiB", 1048576.0),
        _ => ("GiB", 1073741824.0),
    };

    public Series SizeSeries() => new("size", "size",
        [.. Backups.Select(b => new Mark(b.Timestamp, b.SizeBytes!.Value / SizeUnit().Bytes, $"{Display.When(b.Timestamp)}: {Display.Bytes(b.SizeBytes)} ({b.Trigger})", $"/ui/backups/{b.Id}", Display.Tone(b.Status)))]);

    public Series DurationSeries() => new("duration", "duration",
        [.. Backups.Select(b => new Mark(b.Timestamp, b.DurationMs!.Value / 1000.0, $"{Display.When(b.Timestamp)}: {Display.Ms(b.DurationMs)} ({b.Trigger})", $"/ui/backups/{b.Id}", Display.Tone(b.Status)))]);

    public IReadOnlyList<Series> RtoSeries() =>
    [
        new("drill RTO", "drill", [.. Drills.Select(d => new Mark(d.StartedAt, d.RtoMs!.Value / 1000.0, $"drill {Display.When(d.StartedAt)}: RTO {Display.Ms(d.RtoMs)} ({d.Status.ToWire()})", $"/ui/drills/{d.Id}", Display.Tone(d.Status)))]),
        new("restore", "restore", [.. Restores.Select(r => new Mark(r.RequestedAt, (r.DurationMs!.Value + (r.VerificationMs ?? 0)) / 1000.0, $"restore {Display.When(r.RequestedAt)} into {r.Environment}/{r.TargetDatabase}: {Display.Ms(r.DurationMs + (r.VerificationMs ?? 0))} ({r.Status.ToWire()})", $"/ui/restores/{r.Id}", Display.Tone(r.Status)))]),
    ];
}
