namespace Ledger.Contracts.Common;

/// <summary>The roles a bearer token can carry. <see cref="Admin"/> implies every other role.</summary>
public static class Roles
{
    public const string Reader = "reader";
    public const string Operator = "operator";
    public const string Agent = "agent";
    public const string Pipeline = "pipeline";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Reader, Operator, Agent, Pipeline, Admin];
}
