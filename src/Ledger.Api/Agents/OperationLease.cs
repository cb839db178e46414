using Ledger.Contracts.Agents;
using Ledger.Contracts.Common;

namespace Ledger.Api.Agents;

/// <summary>
/// How long an operation may go without a sign of life from the agent doing it (<c>Ledger:OperationLease</c>, default
/// 5 minutes; agents heartbeat every 15 s), and how often the ledger looks (<c>Ledger:LeaseCheckInterval</c>, 30 s).
/// </summary>
public sealed record OperationLease(TimeSpan Lease, TimeSpan CheckInterval)
{
    /// <summary>Who an abandonment is recorded as coming from (the reports' AgentId).</summary>
    public const string Reporter = "ledger";

    public static OperationLease From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Ledger");
        var lease = section.GetValue("OperationLease", TimeSpan.FromMinutes(5));
        var interval = section.GetValue("LeaseCheckInterval", TimeSpan.FromSeconds(30));
        if (lease <= TimeSpan.Zero || interval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Ledger:OperationLease and Ledger:LeaseCheckInterval must be positive.");
        }

        return new OperationLease(lease, interval);
    }

    /// <summary>
    /// Why an unfinished operation is abandoned now, or null while its lease holds (pure). A started operation is
    /// abandoned when the agent doing it has sent no heartbeat for longer than the lease; one no agent has taken yet,
    /// when it has waited longer than the lease (and <paramref name="queueAge"/>, past which agents refuse to run it)
    /// and no agent serving its environment has been heard within the lease.
    /// </summary>
    public string? Abandoned(string? agentId, string environment, DateTimeOffset requestedAt, IReadOnlyList<AgentStatus> agents,
        DateTimeOffset now, TimeSpan? queueAge = null)
    {
        if (agentId is not null && agentId != Reporter)
        {
            var last = agents.FirstOrDefault(a => a.Id == agentId)?.LastHeartbeat;
            return last is { } at && now - at <= Lease
                ? null
                : $"abandoned: agent '{agentId}' has sent no heartbeat {(last is { } seen ? "since " + seen.ToString("u") : "at all")}, longer than the operation lease ({DurationText.Span(Lease)})";
        }

        var waited = now - requestedAt;
        if (waited <= Lease || (queueAge is { } limit && waited <= limit))
        {
            return null;
        }

        return AgentLiveness.Of(agents, environment, Lease, now).Alive
            ? null
            : $"abandoned: no agent serving '{environment}' has been heard for longer than the operation lease ({DurationText.Span(Lease)}) since it was requested";
    }
}
