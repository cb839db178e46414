namespace Ledger.Contracts.Agents;

/// <summary>
/// A database an agent manages, as announced to the ledger (never its connection string). <see cref="RealName"/> is the
/// database's name on its server when the configured <see cref="Name"/> is only a label for it.
/// <see cref="DrillSchedule"/> (cron in <see cref="TimeZone"/>; null or "off": none) asks the ledger to drill the database
/// on a schedule, into <see cref="DrillTargetDatabase"/> (default <c>&lt;name&gt;_drill</c>) of
/// <see cref="DrillTargetEnvironment"/> (default its own environment).
/// </summary>
public sealed record ManagedDatabase(string Environment, string Name, string Role, string? Schedule = null, string? TimeZone = null,
    string? RealName = null, string? DrillSchedule = null, string? DrillTargetEnvironment = null, string? DrillTargetDatabase = null)
{
    /// <summary>The default daily schedule: 02:00 in <see cref="TimeZone"/> (UTC when unset).</summary>
    public const string DefaultSchedule = "0 2 * * *";

    /// <summary>A schedule value that turns scheduled backups off for a database.</summary>
    public const string NoSchedule = "off";
}

/// <summary>Database roles: restores into a primary need explicit consent; drills never touch one.</summary>
public static class DatabaseRoles
{
    public const string Primary = "primary";
    public const string NonPrimary = "non-primary";
    public static bool IsValid(string? role) => role is Primary or NonPrimary;
}

/// <summary>Sent by every agent on an interval so the ledger knows who is alive and what they serve.</summary>
public sealed record AgentHeartbeat(
    string AgentId,
    string Hostname,
    string Version,
    IReadOnlyList<ManagedDatabase> Databases,
    DateTimeOffset SentAt) : IAgentReport;

/// <summary>What the ledger knows of an agent.</summary>
public sealed record AgentStatus
{
    public string Id { get; init; } = "";
    public string Hostname { get; init; } = "";
    public string Version { get; init; } = "";
    public IReadOnlyList<ManagedDatabase> Databases { get; init; } = [];
    public IReadOnlyList<string> Environments { get; init; } = [];
    public DateTimeOffset FirstSeen { get; init; }
    public DateTimeOffset LastHeartbeat { get; init; }

    /// <summary>
    /// The agent's clock minus the ledger's at the last heartbeat (its sent-at against its received-at; the queue's
    /// delay is included, so an agent that is exactly on time shows a small negative offset).
    /// </summary>
    public double? ClockOffsetSeconds { get; init; }
}

/// <summary>Naming rules shared by the ledger and the agents.</summary>
public static class EnvironmentNames
{
    /// <summary>Lower-case letters, digits and dashes, starting with a letter, at most 32 characters.</summary>
    public static bool IsValid(string? environment) =>
        environment is { Length: > 0 and <= 32 }
        && environment[0] is >= 'a' and <= 'z'
        && environment.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}

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

/// <summary>
/// A fact an agent reports to the ledger. The agent routes every message implementing it to the <see cref="Queues.Ledger"/>
/// queue by this marker, so a new report cannot be forgotten in a routing list.
/// </summary>
public interface IAgentReport;
