using Ledger.Contracts.Agents;

namespace Ledger.Api.Agents;

/// <summary>Whether an agent serving an environment has sent a heartbeat within <see cref="Timeout"/>, and when the last one came.</summary>
public sealed record AgentLiveness(bool Alive, DateTimeOffset? LastHeartbeat, TimeSpan Timeout)
{
    /// <summary>The liveness of <paramref name="environment"/> from what agents announced (pure).</summary>
    public static AgentLiveness Of(IEnumerable<AgentStatus> agents, string environment, TimeSpan timeout, DateTimeOffset now)
    {
        var last = agents.Where(a => a.Environments.Contains(environment)).Select(a => (DateTimeOffset?)a.LastHeartbeat).Max();
        return new AgentLiveness(last is { } at && now - at <= timeout, last, timeout);
    }
}
