using Ledger.Api.Drills;
using Ledger.Api.Reports;
using Ledger.Contracts.Drills;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ledger.Api.OperatorConsole.Pages;

/// <summary>
/// <c>/ui/compliance?since=365d&amp;env=</c>: the drill compliance report, computed exactly as
/// <c>GET /api/v1/reports/drills</c> computes it (the same <see cref="DrillReportEndpoint.ParseSince"/>,
/// <see cref="ComplianceInputsQuery"/> and <see cref="DrillCompliance.Compute"/>): the figures of <c>dgledger report drills</c>.
/// </summary>
public sealed class ComplianceModel(IQuerySession session, IConfiguration configuration, TimeProvider time) : PageModel
{
    [FromQuery(Name = "since")] public string? Since { get; set; }
    [FromQuery(Name = "env")] public string? Env { get; set; }

    public DrillComplianceReport Report { get; private set; } = null!;
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (DrillReportEndpoint.ParseSince(Since, now) is not { } from)
        {
            Error = "since must be a number of days like 365d (at most 3660d) or an ISO date in the past.";
            Since = null;
            from = now - DrillReportEndpoint.DefaultWindow;
        }

        var inputs = await ComplianceInputsQuery.LoadAsync(session, from, ct);
        Report = DrillCompliance.Compute(inputs, DrillOptions.From(configuration), from, now, string.IsNullOrWhiteSpace(Env) ? null : Env);
        return Page();
    }
}
