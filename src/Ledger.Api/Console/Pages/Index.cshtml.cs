using Ledger.Api.Agents;
using Ledger.Api.Drills;
using Ledger.Api.Reports;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Marten;
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
/// <c>/ui</c>: every environment and database with its newest verified restore point, last drill, newest gate, missed
/// schedules and agent, coloured by the compliance report's own controls (<see cref="DrillCompliance"/> over the report's
/// default window, from <see cref="ComplianceInputsQuery"/>: the figures of <c>dgledger report drills</c>).
/// </summary>
public sealed class IndexModel(IQuerySession session, IConfiguration configuration, LedgerOptions options, TimeProvider time) : PageModel
{
    public static readonly TimeSpan MissedWindow = TimeSpan.FromDays(7);

    public DateTimeOffset Now { get; private set; }
    public DrillComplianceReport Report { get; private set; } = null!;
    public IReadOnlyList<OverviewRow> Rows { get; private set; } = [];
    public IReadOnlyList<AgentRow> Agents { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = time.GetUtcNow();
        var since = Now - DrillReportEndpoint.DefaultWindow;
        var inputs = await ComplianceInputsQuery.LoadAsync(session, since, ct);
        Report = DrillCompliance.Compute(inputs, DrillOptions.From(configuration), since, Now);

        var missedSince = Now - MissedWindow;
        Rows =
        [
            .. Report.Lines.Select(line => new OverviewRow(
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
            .. inputs.Agents.OrderBy(a => a.Id, StringComparer.Ordinal).Select(a => new AgentRow(a,
                a.Environments.Any(e => AgentLiveness.Of([a], e, options.AgentTimeout, Now).Alive))),
        ];
    }
}
