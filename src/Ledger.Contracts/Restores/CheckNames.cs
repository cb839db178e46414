namespace Ledger.Contracts.Restores;

/// <summary>The post-restore checks (<see cref="VerificationCheck.Name"/>) and their outcomes.</summary>
public static class CheckNames
{
    public const string Fidelity = "fidelity";
    /// <summary>The owner role owns the target's tables, sequences and schemas and may read and write them (verification runs as superuser).</summary>
    public const string Ownership = "ownership";
    public const string ProjectionState = "projection-state";
    public const string ApplicationHealth = "application-health";
    public const string ApplicationProjections = "application-projections";
    public const string ProjectionRebuild = "projection-rebuild";
    /// <summary>The restored point in time against what the backup recorded at its snapshot (newest event, trace, workflow activity).</summary>
    public const string Plausibility = "plausibility";
    /// <summary>POST /api/v1/admin/replays {"mode": "catch_up"} per tenant, admitted 202 and polled to its end.</summary>
    public const string ProjectionCatchUp = "projection-catch-up";
    /// <summary>GET / answers 200 with DecisionGraph's "Operator Console".</summary>
    public const string OperatorConsole = "operator-console";
    /// <summary>GET /api/v1/traces/{newest trace} answers 200.</summary>
    public const string TraceRead = "trace-read";
}
