using Ledger.Contracts.Agents;
using Marten;
using Wolverine.Marten;

namespace Ledger.Api.Agents;

/// <summary>Keeps the registry of agents: who is alive and which environments and databases they serve.</summary>
public static class AgentHeartbeatHandler
{
    public static Task<AgentStatus?> LoadAsync(AgentHeartbeat heartbeat, IQuerySession session, CancellationToken ct) =>
        session.LoadAsync<AgentStatus>(heartbeat.AgentId, ct);

    public static IMartenOp Handle(AgentHeartbeat heartbeat, AgentStatus? known, DateTimeOffset now) =>
        MartenOps.Store(new AgentStatus
        {
            Id = heartbeat.AgentId,
            Hostname = heartbeat.Hostname,
            Version = heartbeat.Version,
            Databases = heartbeat.Databases,
            Environments = heartbeat.Databases.Select(d => d.Environment).Distinct().Order().ToList(),
            FirstSeen = known?.FirstSeen ?? now,
            LastHeartbeat = now,
            ClockOffsetSeconds = ClockSkew.OffsetSeconds(heartbeat.SentAt, now),
        });
}
