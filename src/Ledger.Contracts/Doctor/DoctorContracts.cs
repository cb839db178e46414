using Ledger.Contracts.Agents;

namespace Ledger.Contracts.Doctor;

/// <summary>
/// One check: <see cref="Scope"/> is what was checked (<c>ledger</c>, <c>agent embedded-agent</c>, <c>staging/app</c>),
/// <see cref="Fix"/> says in one sentence what to do when the verdict is not ok. Never carries a secret.
/// </summary>
public sealed record DoctorCheck(string Scope, string Name, string Verdict, string Detail, string? Fix = null)
{
    public static DoctorCheck Ok(string scope, string name, string detail) => new(scope, name, DoctorVerdicts.Ok, detail);
    public static DoctorCheck Warn(string scope, string name, string detail, string fix) => new(scope, name, DoctorVerdicts.Warn, detail, fix);
    public static DoctorCheck Fail(string scope, string name, string detail, string fix) => new(scope, name, DoctorVerdicts.Fail, detail, fix);
}

/// <summary>Body of <c>POST /api/v1/doctor</c>: every environment, or one.</summary>
public sealed record RequestDoctor(string? Environment = null);

/// <summary>
/// Sent by the ledger to an environment's queue: run the agent-side checks for the databases of
/// <see cref="Environment"/> and report. <see cref="NewestBackupBytes"/> (database name to size) lets the agent compare
/// the repository's free space with what the next backup will need.
/// </summary>
public sealed record RunAgentDoctor(Guid RunId, string Environment, IReadOnlyDictionary<string, long> NewestBackupBytes, DateTimeOffset RequestedAt) : Security.IAgentCommand
{
    Guid Security.IAgentCommand.OperationId => RunId;
}

/// <summary>An agent's answer to <see cref="RunAgentDoctor"/>, on the ledger queue. <see cref="AgentClock"/>: the agent's time when it answered.</summary>
public sealed record AgentDoctorReport(Guid RunId, string AgentId, string Environment, IReadOnlyList<DoctorCheck> Checks, DateTimeOffset AgentClock) : IAgentReport;

/// <summary>A doctor run as the ledger keeps it: its own checks, and each environment's agent report once it arrived.</summary>
public sealed record DoctorRun
{
    public Guid Id { get; init; }
    public string? Environment { get; init; }
    public DateTimeOffset RequestedAt { get; init; }
    public IReadOnlyList<DoctorCheck> LedgerChecks { get; init; } = [];
    /// <summary>The environments whose agents were asked.</summary>
    public IReadOnlyList<string> Environments { get; init; } = [];
    public IReadOnlyList<AgentDoctorAnswer> Answers { get; init; } = [];

    public bool Complete => Environments.All(e => Answers.Any(a => a.Environment == e));
}

/// <summary>An agent's report with the ledger's view of it (the clock offset check is the ledger's).</summary>
public sealed record AgentDoctorAnswer(string Environment, string AgentId, IReadOnlyList<DoctorCheck> Checks, DateTimeOffset ReceivedAt);

/// <summary>What <c>dgledger doctor --json</c> prints.</summary>
public sealed record DoctorReport(bool Healthy, IReadOnlyList<DoctorCheck> Checks);
