using Ledger.Api.Agents;
using Ledger.Api.Drills;
using Ledger.Api.Reports;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ledger.Api.OperatorConsole.Pages;

/// <summary>One database on the overview: its compliance line and what an operator looks at first.</summary>
public sealed record OverviewRow(DatabaseCompliance Line, string? Role, DrillMark? LastDrill, GateView? NewestGate, int MissedRecently,
    AgentLiveness Agent)
{
    public ControlResult Control(string name) => Line.Controls.First(c => c.Control == name);

    /// <summary>The drill cell holds three controls: cadence, pass rate and RTO.</summary>
    public IReadOnlyList<ControlResult> DrillControls =>
        [.. Line.Controls.Where(c => c.Control is ComplianceControls.DrillCadence or ComplianceControls.PassRate or ComplianceControls.Rto)];
}

public sealed record AgentRow(AgentStatus Agent, bool Alive);

/// <summary>
/// <c>/ui?page=N</c>: every environment and database, <see cref="PageSize"/> at a time, with its newest verified restore
/// point, last drill, newest gate, missed schedules and agent, coloured by the compliance report's own controls: the lines
/// <see cref="DrillCompliance.Compute"/> gives over the report's default window for these databases, from
/// <see cref="ComplianceInputsQuery.LoadForAsync"/> (a database's line depends on its own history only, so each is the
/// line <c>dgledger report drills</c> prints). A page reads its databases' restore points alone, through the
/// (environment, database, timestamp, id) index, however many databases the ledger has.
/// </summary>
public sealed class IndexModel(IQuerySession session, IConfiguration configuration, LedgerOptions options, TimeProvider time) : PageModel
{
    public const int PageSize = 25;
    public static readonly TimeSpan MissedWindow = TimeSpan.FromDays(7);

    [FromQuery(Name = "page")] public int PageNumber { get; set; } = 1;

    public DateTimeOffset Now { get; private set; }
    public DrillPolicy Policy { get; private set; } = null!;
    public DateTimeOffset Since { get; private set; }
    public int DatabaseCount { get; private set; }
    public bool HasMore { get; private set; }
    public IReadOnlyList<OverviewRow> Rows { get; private set; } = [];
    public IReadOnlyList<AgentRow> Agents { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (PageNumber < 1)
        {
            return BadRequest();
        }

        Now = time.GetUtcNow();
        Since = Now - DrillReportEndpoint.DefaultWindow;
        Policy = DrillOptions.From(configuration);

        // Every database the report could name: those with restore points, those agents announce, those with a drill or
        // a gate in the window. A database none of these knows in the window gets no line (as in the report) and is skipped.
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        // Drills and gates are few (one per drill run, one per release): read whole.
        var drilled = await session.Query<DrillView>().Where(x => x.StartedAt >= Since).ToListAsync(ct);
        var gated = await session.Query<GateView>().Where(x => x.RequestedAt >= Since.AddDays(-2)).ToListAsync(ct);
        var candidates = (await ComplianceInputsQuery.DatabasesAsync(session, ct))
            .Concat(agents.SelectMany(a => a.Databases).Select(d => (d.Environment, d.Name)))
            .Concat(drilled.Select(d => (d.Environment, d.Database)))
            .Concat(gated.Select(g => (g.Environment, g.Database)))
            .Distinct()
            .OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2, StringComparer.Ordinal)
            .ToList();
        DatabaseCount = candidates.Count;
        var page = candidates.Skip((PageNumber - 1) * PageSize).Take(PageSize).ToList();
        HasMore = candidates.Count > PageNumber * PageSize;

        var inputs = await ComplianceInputsQuery.LoadForAsync(session, Since, page, ct);
        var report = DrillCompliance.Compute(inputs, Policy, Since, Now);
        var wanted = page.ToHashSet();
        var missedSince = Now - MissedWindow;
        Rows =
        [
            .. report.Lines.Where(l => wanted.Contains((l.Environment, l.Database))).Select(line => new OverviewRow(
                line,
                inputs.Agents.SelectMany(a => a.Databases).FirstOrDefault(d => d.Environment == line.Environment && d.Name == line.Database)?.Role,
                line.Drills.OrderBy(d => d.At).LastOrDefault(),
                inputs.Gates.Where(g => g.Environment == line.Environment && g.Database == line.Database)
                    .OrderByDescending(g => g.RequestedAt).FirstOrDefault(),
                inputs.Backups.Count(b => b.Environment == line.Environment && b.Database == line.Database && b.Missed
                                          && (b.ScheduledFor ?? b.Timestamp) >= missedSince),
                AgentLiveness.Of(inputs.Agents, line.Environment, options.AgentTimeout, Now))),
        ];
        Agents =
        [
            .. agents.OrderBy(a => a.Id, StringComparer.Ordinal).Select(a => new AgentRow(a,
                a.Environments.Any(e => AgentLiveness.Of([a], e, options.AgentTimeout, Now).Alive))),
        ];
        return Page();
    }
}
