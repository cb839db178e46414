using Ledger.Api.Auth;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Doctor;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace Ledger.Api.Doctor;

/// <summary>
/// <c>POST /api/v1/doctor {environment?}</c>: runs the ledger's checks (its database, agents' heartbeats, schedules) and asks
/// the agents of each environment for theirs (<see cref="RunAgentDoctor"/> on the environment's queue; the answer,
/// <see cref="AgentDoctorReport"/>, comes back on the ledger queue). <c>GET /api/v1/doctor/{id}</c> shows the run as the
/// answers arrive.
/// </summary>
public static class DoctorEndpoints
{
    [WolverinePost("/api/v1/doctor")]
    [Authorize(Policy = Policies.Read)]
    public static async Task<(DoctorRun, IMartenOp, OutgoingMessages)> Post(RequestDoctor request, IDocumentSession session, LedgerOptions ledger,
        DateTimeOffset now, CancellationToken ct)
    {
        var checks = new List<DoctorCheck>();
        try
        {
            var version = (await session.QueryAsync<string>("select current_setting('server_version')", ct)).Single();
            checks.Add(DoctorCheck.Ok("ledger", "database", $"reachable (PostgreSQL {version})"));
        }
        catch (Npgsql.NpgsqlException e)
        {
            checks.Add(DoctorCheck.Fail("ledger", "database", $"not reachable: {e.Message}", "Check ConnectionStrings:Ledger and that its PostgreSQL is up."));
        }

        var agents = await session.Query<AgentStatus>().ToListAsync(ct);
        checks.AddRange(LedgerChecks.For(agents, request.Environment, ledger.AgentTimeout, now));

        var id = Guid.CreateVersion7(now);
        var outgoing = new OutgoingMessages();
        var environments = agents.Where(a => now - a.LastHeartbeat <= ledger.AgentTimeout).SelectMany(a => a.Environments)
            .Where(e => request.Environment is null || e == request.Environment).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var environment in environments)
        {
            var newest = new Dictionary<string, long>();
            foreach (var database in agents.SelectMany(a => a.Databases).Where(d => d.Environment == environment).Select(d => d.Name).Distinct())
            {
                var point = await session.Query<RestorePoint>()
                    .Where(r => r.Environment == environment && r.Database == database && (r.Status == BackupStatus.Verified || r.Status == BackupStatus.Taken))
                    .OrderByDescending(r => r.Timestamp).FirstOrDefaultAsync(ct);
                if (point?.SizeBytes is { } bytes) newest[database] = bytes;
            }

            outgoing.ToDestination(new RunAgentDoctor(id, environment, newest, now), Queues.UriFor(environment));
        }

        var run = new DoctorRun { Id = id, Environment = request.Environment, RequestedAt = now, LedgerChecks = checks, Environments = environments };
        return (run, MartenOps.Store(run), outgoing);
    }

    [WolverineGet("/api/v1/doctor/{id}")]
    [Authorize(Policy = Policies.Read)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<DoctorRun>(id, ct) is { } run ? Results.Ok(run) : Results.NotFound();
}

/// <summary>Adds an agent's report to its run, with the ledger's clock check; a report for an unknown run or a repeated one changes nothing.</summary>
public static class AgentDoctorReportHandler
{
    public static Task<DoctorRun?> LoadAsync(AgentDoctorReport report, IQuerySession session, CancellationToken ct) =>
        session.LoadAsync<DoctorRun>(report.RunId, ct);

    public static IMartenOp Handle(AgentDoctorReport report, DoctorRun? run, DateTimeOffset now)
    {
        if (run is null || run.Answers.Any(a => a.Environment == report.Environment))
        {
            return MartenOps.Nothing();
        }

        var checks = report.Checks.Prepend(LedgerChecks.Clock(report.AgentId, report.AgentClock, now)).ToList();
        return MartenOps.Store(run with { Answers = [.. run.Answers, new AgentDoctorAnswer(report.Environment, report.AgentId, checks, now)] });
    }
}
