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

/// <summary>
/// A fact an agent reports to the ledger. The agent routes every message implementing it to the <see cref="Queues.Ledger"/>
/// queue by this marker, so a new report cannot be forgotten in a routing list.
/// </summary>
public interface IAgentReport;
