using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Marten;

namespace Ledger.Api.Reports;

/// <summary>
/// Reads what <see cref="DrillCompliance.Compute"/> needs for a report window, the one query behind
/// <c>GET /api/v1/reports/drills</c> and the operator console (its overview and compliance page), so both show the same figures.
/// </summary>
public static class ComplianceInputsQuery
{
    public static async Task<ComplianceInputs> LoadAsync(IQuerySession session, DateTimeOffset from, CancellationToken ct)
    {
        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        // A day's backup can be a few hours before the window's first full day; gates may point at slightly older backups.
        var backupsFrom = from.AddDays(-2);
        var inWindow = await session.Query<RestorePoint>().Where(x => x.Timestamp >= backupsFrom).ToListAsync(ct);
        var verified = await session.Query<RestorePoint>().Where(x => x.Status == BackupStatuses.Verified).ToListAsync(ct);
        var drills = await session.Query<DrillView>().Where(x => x.StartedAt >= from).ToListAsync(ct);
        var gates = await session.Query<GateView>().Where(x => x.RequestedAt >= backupsFrom).ToListAsync(ct);

        var backups = inWindow.Concat(verified).DistinctBy(b => b.Id).ToList();
        return new ComplianceInputs(agents, backups, drills, gates);
    }
}
