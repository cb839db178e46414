using Ledger.Api.Backups;
using Ledger.Api.Http;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Ledger.Contracts.Restores;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ledger.Api.OperatorConsole.Pages;

/// <summary>One entry of a database's timeline, linking to its detail page.</summary>
public sealed record TimelineItem(DateTimeOffset At, string Lane, string Kind, string Status, string Summary, string Href);

/// <summary>
/// <c>/ui/db/{environment}/{database}?page=N</c>: one page of the database's backups (every status, newest first: the
/// API's order over the index on (environment, database, timestamp, id)), and the restores, drills, gates and expiries of
/// the same stretch of time, on one time axis and in one list.
/// </summary>
public sealed class DatabaseModel(IQuerySession session) : PageModel
{
    public const int PageSize = 50;

    /// <summary>At most this many restores, drills and gates per page of backups.</summary>
    public const int OthersLimit = 200;

    public static readonly IReadOnlyList<string> Lanes =
        [BackupTriggers.Scheduled, BackupTriggers.Manual, BackupTriggers.PreUpgrade, "restores", "drills", "gates", "expiries"];

    [FromRoute] public string Environment { get; set; } = "";
    [FromRoute] public string Database { get; set; } = "";
    [FromQuery(Name = "page")] public int PageNumber { get; set; } = 1;

    public Page<RestorePoint> Backups { get; private set; } = null!;
    public IReadOnlyList<TimelineItem> Items { get; private set; } = [];
    public DateTimeOffset? From { get; private set; }
    public DateTimeOffset? To { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (PageNumber < 1)
        {
            return BadRequest();
        }

        var filtered = session.Query<RestorePoint>().Where(x => x.Environment == Environment && x.Database == Database);
        Backups = await filtered.ToPageAsync(ListBackupsEndpoint.Newest, PageNumber, PageSize, total: false, ct);

        // The stretch of time this page covers: from its oldest backup (or the beginning, on the last page) up to the
        // newest backup of the page before (or now, on the first page), so that pages neither overlap nor leave gaps.
        From = Backups.HasMore ? Backups.Items[^1].Timestamp : null;
        if (PageNumber > 1)
        {
            var before = await ListBackupsEndpoint.Newest(filtered).Skip(((PageNumber - 1) * PageSize) - 1).Take(1).ToListAsync(ct);
            To = before.Count == 1 ? before[0].Timestamp : Backups.Items.FirstOrDefault()?.Timestamp;
        }

        var restores = session.Query<RestoreView>().Where(x => (x.Environment == Environment && x.TargetDatabase == Database)
                                                               || (x.SourceEnvironment == Environment && x.SourceDatabase == Database));
        var drills = session.Query<DrillView>().Where(x => x.Environment == Environment && x.Database == Database);
        var gates = session.Query<GateView>().Where(x => x.Environment == Environment && x.Database == Database);
        if (From is { } from)
        {
            restores = restores.Where(x => x.RequestedAt >= from);
            drills = drills.Where(x => x.StartedAt >= from);
            gates = gates.Where(x => x.RequestedAt >= from);
        }

        if (To is { } to)
        {
            restores = restores.Where(x => x.RequestedAt < to);
            drills = drills.Where(x => x.StartedAt < to);
            gates = gates.Where(x => x.RequestedAt < to);
        }

        var restoreList = await restores.OrderByDescending(x => x.RequestedAt).Take(OthersLimit).ToListAsync(ct);
        var drillList = await drills.OrderByDescending(x => x.StartedAt).Take(OthersLimit).ToListAsync(ct);
        var gateList = await gates.OrderByDescending(x => x.RequestedAt).Take(OthersLimit).ToListAsync(ct);

        var items = new List<TimelineItem>();
        foreach (var b in Backups.Items)
        {
            var what = b.FailureReason is { } reason ? reason : b.SizeBytes is { } size ? $"{Display.Bytes(size)} in {Display.Ms(b.DurationMs)}" : "";
            items.Add(new TimelineItem(b.Timestamp, b.Trigger, $"{b.Trigger} backup", b.Status.ToWire(),
                $"{(b.Release is null ? "" : "release " + b.Release + "; ")}{what}{(b.Missed ? " (missed its deadline)" : "")}", $"/ui/backups/{b.Id}"));
            if (b.ExpiredAt is { } expired && (To is null || expired < To) && (From is null || expired >= From))
            {
                items.Add(new TimelineItem(expired, "expiries", "expiry", BackupStatus.Expired.ToWire(), b.ExpiredBy ?? "", $"/ui/backups/{b.Id}"));
            }
        }

        items.AddRange(restoreList.Select(r => new TimelineItem(r.RequestedAt, "restores",
            r.Plan ? "restore plan" : r.DrillId is null ? "restore" : "drill restore", r.Status.ToWire(),
            $"{r.SourceEnvironment}/{r.SourceDatabase} → {r.Environment}/{r.TargetDatabase}"
            + (r.DurationMs is { } ms ? $"; {Display.Ms(ms + (r.VerificationMs ?? 0))}" : "")
            + (r.Refusal is { } refusal ? "; refused: " + refusal.Interlock : ""), $"/ui/restores/{r.Id}")));
        items.AddRange(drillList.Select(d => new TimelineItem(d.StartedAt, "drills", "drill", d.Status.ToWire(),
            $"into {d.TargetDatabase}" + (d.RtoMs is { } rto ? $"; RTO {Display.Ms(rto)}" : "") + (d.FailureReason is { } f ? "; " + f : ""),
            $"/ui/drills/{d.Id}")));
        items.AddRange(gateList.Select(g => new TimelineItem(g.DecidedAt ?? g.RequestedAt, "gates", "gate", g.Status.ToWire(),
            $"release {g.TargetRelease}" + (g.Reasons.Count > 0 ? "; " + g.Reasons[^1] : ""), $"/ui/gates/{g.Id}")));
        Items = [.. items.OrderByDescending(i => i.At)];
        return Page();
    }

    public IReadOnlyList<Lane> TimelineLanes() =>
    [
        .. Lanes.Select(lane => new Lane(lane, [
            .. Items.Where(i => i.Lane == lane)
                .Select(i => new Mark(i.At, 0, $"{i.Kind} {i.Status} {Display.When(i.At)}: {i.Summary}", i.Href, Display.Tone(i.Status))),
        ])),
    ];
}
