using System.Globalization;
using Ledger.Api.Auth;
using Ledger.Api.Drills;
using Ledger.Api.Http;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
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
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        // A day's backup can be a few hours before the window's first full day; gates may point at slightly older backups.
        var backupsFrom = from.AddDays(-2);
        var inWindow = await session.Query<RestorePoint>().Where(x => x.Timestamp >= backupsFrom).ToListAsync(ct);
        var verified = await session.Query<RestorePoint>().Where(x => x.Status == BackupStatuses.Verified).ToListAsync(ct);
        var drills = await session.Query<DrillView>().Where(x => x.StartedAt >= from).ToListAsync(ct);
        var gates = await session.Query<GateView>().Where(x => x.RequestedAt >= backupsFrom).ToListAsync(ct);

        var backups = inWindow.Concat(verified).DistinctBy(b => b.Id).ToList();
        var report = DrillCompliance.Compute(new ComplianceInputs(agents, backups, drills, gates), policy, from, now,
            string.IsNullOrWhiteSpace(env) ? null : env);
        return Results.Ok(report);
    }
}
