namespace Ledger.Contracts.Agents;

/// <summary>The Wolverine PostgreSQL queues that connect the ledger and its agents.</summary>
public static class Queues
{
    /// <summary>Schema of the queue tables, shared by the ledger and every agent (each keeps its own envelope store).</summary>
    public const string Schema = "dgledger_queues";

    /// <summary>Where agents report: the ledger listens here.</summary>
    public const string Ledger = "ledger";

    /// <summary>The queue an environment's agents listen on (competing consumers when several serve it).</summary>
    public static string ForEnvironment(string environment) => "agent_" + environment.Replace('-', '_');

    /// <summary>
    /// The environment whose queue <paramref name="queueName"/> is (the inverse of <see cref="ForEnvironment"/>: environment
    /// names hold dashes, never underscores), or null for any other queue.
    /// </summary>
    public static string? EnvironmentOf(string? queueName) =>
        queueName is { Length: > 6 } && queueName.StartsWith("agent_", StringComparison.Ordinal)
        && EnvironmentNames.IsValid(queueName[6..].Replace('_', '-'))
            ? queueName[6..].Replace('_', '-')
            : null;

    /// <summary>The Wolverine address of <see cref="ForEnvironment"/>'s queue.</summary>
    public static Uri UriFor(string environment) => new("postgresql://" + ForEnvironment(environment));
}
