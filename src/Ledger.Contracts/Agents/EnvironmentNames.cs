namespace Ledger.Contracts.Agents;

/// <summary>Naming rules shared by the ledger and the agents.</summary>
public static class EnvironmentNames
{
    /// <summary>Lower-case letters, digits and dashes, starting with a letter, at most 32 characters.</summary>
    public static bool IsValid(string? environment) =>
        environment is { Length: > 0 and <= 32 }
        && environment[0] is >= 'a' and <= 'z'
        && environment.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
