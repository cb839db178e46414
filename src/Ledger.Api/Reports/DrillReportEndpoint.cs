using System.Globalization;
using Ledger.Api.Auth;
using Ledger.Api.Drills;
using Ledger.Api.Http;
using Ledger.Contracts.Drills;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Ledger.Api.Reports;

/// <summary>
/// <c>GET /api/v1/reports/drills?since=365d&amp;env=</c>: the drill-cadence compliance report. <c>since</c> is a number
/// of days back (<c>90d</c>) or an ISO date; default 365 days.
/// </summary>
public static class DrillReportEndpoint
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(365);

    /// <summary>Parses <c>Nd</c> (days back from now) or an ISO-8601 date/time; null when neither.</summary>
    public static DateTimeOffset? ParseSince(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return now - DefaultWindow;
        }

        text = text.Trim();
        if (text.EndsWith('d') && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is > 0 and <= 3660)
        {
            return now.AddDays(-days);
        }

        // A date as far back as the day form allows (3660 days): older reaches MinValue arithmetic and loads everything.
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
               && at <= now && at >= now.AddDays(-3660)
            ? at
            : null;
    }

    [WolverineGet("/api/v1/reports/drills")]
    [Authorize(Policy = Policies.Read)]
    [ProducesResponseType<DrillComplianceReport>(200)]
    public static async Task<IResult> Get(string? since, string? env, IQuerySession session, IConfiguration configuration,
        TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (ParseSince(since, now) is not { } from)
        {
            return Results.Problem(Problems.Invalid(new Dictionary<string, string[]>
            {
                ["since"] = ["Must be a number of days like 365d (at most 3660d) or an ISO date in the past, at most 3660 days ago."],
            }));
        }

        var policy = DrillOptions.From(configuration);
        var inputs = await ComplianceInputsQuery.LoadAsync(session, from, ct);
        var report = DrillCompliance.Compute(inputs, policy, from, now,
            string.IsNullOrWhiteSpace(env) ? null : env);
        return Results.Ok(report);
    }
}
