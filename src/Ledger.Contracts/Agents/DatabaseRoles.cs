namespace Ledger.Contracts.Agents;

/// <summary>Database roles: restores into a primary need explicit consent; drills never touch one.</summary>
public static class DatabaseRoles
{
    public const string Primary = "primary";
    public const string NonPrimary = "non-primary";
    public static bool IsValid(string? role) => role is Primary or NonPrimary;
}
